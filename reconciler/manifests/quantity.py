"""Kubernetes resource quantities: the grammar check and the exact value.

``parse_quantity`` returns a ``Fraction`` so that different spellings of one amount compare equal
with no rounding at all: ``0.5`` == ``500m``, ``1Gi`` == ``1024Mi``, ``1e3`` == ``1k``. Other modules
(planner comparisons, attribute checks) reuse it; it must stay pure and never normalise the text
the user wrote (writes keep the manifest's spelling).

Grammar (k8s.io/apimachinery ``resource.ParseQuantity``)::

    <quantity>        ::= <signedNumber><suffix>
    <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
    <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei
    <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E
    <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>
    <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
"""

from __future__ import annotations

import functools
import re
from fractions import Fraction

_QUANTITY = re.compile(
    r"(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?:(?P<binary>Ki|Mi|Gi|Ti|Pi|Ei)|[eE](?P<exponent>[+-]?[0-9]+)|(?P<decimal>[numkMGTPE]?))"
)
_DECIMAL_POWERS = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY_POWERS = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
# Exponents beyond this are no real resource amount and would only make huge integers.
_MAX_EXPONENT = 100

EXAMPLES = "e.g. 500m, 2, 1.5, 512Mi, 4Gi, 1e3"


def parse_quantity(text: str | int | float) -> Fraction:
    """The exact value of a quantity; ``ValueError`` when the text is not a Kubernetes quantity.

    Numbers written as YAML ints/floats are accepted through their ``str()`` (``0.5``, ``2``).
    Booleans are refused: ``True`` is not an amount.
    """
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise ValueError(f"{text!r} is not a Kubernetes quantity ({EXAMPLES})")
    return _parse(str(text))


# The same few amounts recur across thousands of attribute rows.
@functools.lru_cache(maxsize=4096)
def _parse(raw: str) -> Fraction:
    match = _QUANTITY.fullmatch(raw)
    if match is None:
        raise ValueError(f"{raw!r} is not a Kubernetes quantity ({EXAMPLES})")
    number = Fraction(match["number"])
    if match["binary"]:
        return number * (2 ** _BINARY_POWERS[match["binary"]])
    if match["exponent"] is not None:
        power = int(match["exponent"])
        if abs(power) > _MAX_EXPONENT:
            raise ValueError(f"{raw!r} has an exponent beyond ±{_MAX_EXPONENT} ({EXAMPLES})")
    else:
        power = _DECIMAL_POWERS[match["decimal"]]
    return number * Fraction(10) ** power


def is_quantity(text: object) -> bool:
    try:
        parse_quantity(text)  # type: ignore[arg-type]
    except ValueError:
        return False
    return True
