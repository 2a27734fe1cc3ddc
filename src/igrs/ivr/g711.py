"""G.711 (8 kHz telephone audio) byte tables: μ-law to linear, and μ-law to A-law, so prompts
are synthesised once as μ-law and served as either codec by one `bytes.translate`."""

ULAW_SILENCE = 0xFF
ALAW_SILENCE = 0xD5
# The upper ends of A-law's eight segments, for 13-bit magnitudes.
_ALAW_SEGMENT_ENDS = (0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF)


def ulaw_to_linear(byte: int) -> int:
    """One μ-law byte as a 16-bit sample."""
    u = ~byte & 0xFF
    exponent, mantissa = (u >> 4) & 0x07, u & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return -magnitude if u & 0x80 else magnitude


def alaw_to_linear(byte: int) -> int:
    a = byte ^ 0x55
    segment, mantissa = (a >> 4) & 0x07, a & 0x0F
    magnitude = (mantissa << 4) + 8
    if segment:
        magnitude = (magnitude + 0x100) << (segment - 1)
    return magnitude if a & 0x80 else -magnitude


def linear_to_alaw(sample: int) -> int:
    """One 16-bit sample as an A-law byte."""
    value = sample >> 3
    if value >= 0:
        mask = 0xD5
    else:
        mask, value = 0x55, -value - 1
    segment = next((i for i, end in enumerate(_ALAW_SEGMENT_ENDS) if value <= end), 8)
    if segment >= 8:
        return 0x7F ^ mask
    shift = 1 if segment < 2 else segment
    return ((segment << 4) | ((value >> shift) & 0x0F)) ^ mask


ULAW_TO_ALAW = bytes(linear_to_alaw(ulaw_to_linear(b)) for b in range(256))
ULAW_LINEAR = tuple(ulaw_to_linear(b) for b in range(256))
ALAW_LINEAR = tuple(alaw_to_linear(b) for b in range(256))


def peak(payload: bytes, table: tuple[int, ...] = ULAW_LINEAR) -> int:
    """The loudest sample's magnitude in a G.711 frame."""
    return max((abs(table[b]) for b in payload), default=0)
