import itertools

from hypothesis import given
from hypothesis import strategies as st

from igrs.grievances import reference


def test_known_verhoeff_check_digit():
    # Worked example from Verhoeff's scheme: 236 → check digit 3.
    assert reference.check_digit("236") == "3"
    assert reference.is_valid("2026" + "00000236" + reference.check_digit("202600000236"))


def test_reference_encodes_year_and_serial():
    ref = reference.make(2026, 1234)
    assert ref.startswith("202600001234") and len(ref) == 13
    assert reference.is_valid(ref)


@given(st.integers(2000, 2099), st.integers(0, 10**9))
def test_every_single_digit_error_is_caught(year, serial):
    ref = reference.make(year, serial)
    for i, wrong in itertools.product(range(len(ref)), "0123456789"):
        if ref[i] != wrong:
            assert not reference.is_valid(ref[:i] + wrong + ref[i + 1 :])


@given(st.integers(2000, 2099), st.integers(0, 10**9))
def test_every_adjacent_swap_is_caught(year, serial):
    ref = reference.make(year, serial)
    for i in range(len(ref) - 1):
        if ref[i] != ref[i + 1]:
            assert not reference.is_valid(ref[:i] + ref[i + 1] + ref[i] + ref[i + 2 :])


def test_read_back_forms_are_accepted():
    ref = reference.make(2026, 42)
    assert reference.normalise(reference.grouped(ref)) == ref
    assert reference.normalise("२०२६ " + ref[4:]) == ref  # Devanagari digits typed
    assert not reference.is_valid("12345")
    assert not reference.is_valid("abcd" + ref[4:])
