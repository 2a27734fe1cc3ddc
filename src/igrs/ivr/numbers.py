"""Numbers and dates as words, the Indian way (lakh and crore, "6 December"), so the
text-to-speech engine never has to guess how to read a figure."""

import datetime as dt

HINDI_0_99 = [
    "शून्य",
    "एक",
    "दो",
    "तीन",
    "चार",
    "पाँच",
    "छह",
    "सात",
    "आठ",
    "नौ",
    "दस",
    "ग्यारह",
    "बारह",
    "तेरह",
    "चौदह",
    "पंद्रह",
    "सोलह",
    "सत्रह",
    "अठारह",
    "उन्नीस",
    "बीस",
    "इक्कीस",
    "बाईस",
    "तेईस",
    "चौबीस",
    "पच्चीस",
    "छब्बीस",
    "सत्ताईस",
    "अट्ठाईस",
    "उनतीस",
    "तीस",
    "इकतीस",
    "बत्तीस",
    "तैंतीस",
    "चौंतीस",
    "पैंतीस",
    "छत्तीस",
    "सैंतीस",
    "अड़तीस",
    "उनतालीस",
    "चालीस",
    "इकतालीस",
    "बयालीस",
    "तैंतालीस",
    "चवालीस",
    "पैंतालीस",
    "छियालीस",
    "सैंतालीस",
    "अड़तालीस",
    "उनचास",
    "पचास",
    "इक्यावन",
    "बावन",
    "तिरेपन",
    "चौवन",
    "पचपन",
    "छप्पन",
    "सत्तावन",
    "अट्ठावन",
    "उनसठ",
    "साठ",
    "इकसठ",
    "बासठ",
    "तिरसठ",
    "चौंसठ",
    "पैंसठ",
    "छियासठ",
    "सड़सठ",
    "अड़सठ",
    "उनहत्तर",
    "सत्तर",
    "इकहत्तर",
    "बहत्तर",
    "तिहत्तर",
    "चौहत्तर",
    "पचहत्तर",
    "छिहत्तर",
    "सतहत्तर",
    "अठहत्तर",
    "उन्यासी",
    "अस्सी",
    "इक्यासी",
    "बयासी",
    "तिरासी",
    "चौरासी",
    "पचासी",
    "छियासी",
    "सत्तासी",
    "अट्ठासी",
    "नवासी",
    "नब्बे",
    "इक्यानवे",
    "बानवे",
    "तिरानवे",
    "चौरानवे",
    "पंचानवे",
    "छियानवे",
    "सत्तानवे",
    "अट्ठानवे",
    "निन्यानवे",
]

ENGLISH_0_19 = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
ENGLISH_TENS = [
    "_",
    "_",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
]

# Indian grouping, largest first: crore (10^7), lakh (10^5), thousand, hundred.
SCALES = (
    (10_000_000, "करोड़", "crore"),
    (100_000, "लाख", "lakh"),
    (1_000, "हज़ार", "thousand"),
    (100, "सौ", "hundred"),
)

MONTHS_HI = [
    "जनवरी",
    "फ़रवरी",
    "मार्च",
    "अप्रैल",
    "मई",
    "जून",
    "जुलाई",
    "अगस्त",
    "सितंबर",
    "अक्टूबर",
    "नवंबर",
    "दिसंबर",
]
MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

DIGIT_NAMES = {"hi": HINDI_0_99[:10], "en": ENGLISH_0_19[:10]}


def _below_100(n: int, language: str) -> str:
    if language == "hi":
        return HINDI_0_99[n]
    if n < 20:
        return ENGLISH_0_19[n]
    tens, ones = divmod(n, 10)
    return ENGLISH_TENS[tens] + (f"-{ENGLISH_0_19[ones]}" if ones else "")


def number_words(n: int, language: str = "hi") -> str:
    """1,25,000 → "एक लाख पच्चीस हज़ार" / "one lakh twenty-five thousand"."""
    if n < 0:
        raise ValueError("a count cannot be negative")
    if n < 100:
        return _below_100(n, language)
    words = []
    for size, hindi, english in SCALES:
        count, n = divmod(n, size)
        if count:
            words += [number_words(count, language), hindi if language == "hi" else english]
    if n:
        words.append(_below_100(n, language))
    return " ".join(words)


def date_words(day: dt.date, language: str = "hi", today: dt.date | None = None) -> str:
    """ "छह दिसंबर" — with the year only when it is not this year's."""
    months = MONTHS_HI if language == "hi" else MONTHS_EN
    text = f"{number_words(day.day, language)} {months[day.month - 1]}"
    if today is None or day.year != today.year:
        text += f" {number_words(day.year, language)}"
    return text


def digits_words(digits: str, language: str = "hi") -> str:
    """A reference number read digit by digit, in groups of four like the portal shows it,
    with a pause (comma) between groups."""
    names = DIGIT_NAMES[language]
    groups = [digits[i : i + 4] for i in range(0, len(digits), 4)]
    return ", ".join(" ".join(names[int(ch)] for ch in group) for group in groups)
