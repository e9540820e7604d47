"""Go's one-line protobuf text format (``msg.String()`` in Go), used inside compile error messages.

Fields in declaration order, ``name:value`` separated by one space, messages as ``name:{...}``, map entries
sorted by key as ``name:{key:... value:...}``, floats as Go's ``strconv.FormatFloat(v, 'g', -1, bits)``.
Go itself puts one or two spaces between fields at random (per binary); one space is what compares.
"""

from __future__ import annotations

import math
import struct
from decimal import Decimal

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _quote(text: str | bytes) -> str:
    chars = [chr(b) for b in text] if isinstance(text, bytes) else list(text)
    out = []
    for ch in chars:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F or (isinstance(text, bytes) and ord(ch) >= 0x80):
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def go_float(value: float, bits: int = 64) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"
    text = repr(value)
    if bits == 32:  # shortest text that reads back as the same float32
        packed = struct.pack("<f", value)
        for precision in range(1, 10):
            text = f"{value:.{precision}g}"
            if struct.pack("<f", float(text)) == packed:
                break
    sign, digits, exponent = Decimal(text).normalize().as_tuple()
    if not isinstance(exponent, int):
        return text
    nd = len(digits)
    dp = nd + exponent  # position of the decimal point relative to the digits
    head = "-" if sign else ""
    ds = "".join(map(str, digits))
    exp = dp - 1
    if exp < -4 or exp >= 6:
        mantissa = ds[0] + ("." + ds[1:] if nd > 1 else "")
        return f"{head}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if dp <= 0:
        return f"{head}0.{'0' * -dp}{ds}"
    if dp >= nd:
        return f"{head}{ds}{'0' * (dp - nd)}"
    return f"{head}{ds[:dp]}.{ds[dp:]}"


def _scalar(field: FieldDescriptor, value: object) -> str:
    if field.type == FieldDescriptor.TYPE_ENUM:
        enum_value = field.enum_type.values_by_number.get(value)  # type: ignore[union-attr,arg-type]
        return enum_value.name if enum_value is not None else str(value)
    if field.type == FieldDescriptor.TYPE_STRING or field.type == FieldDescriptor.TYPE_BYTES:
        return _quote(value)  # type: ignore[arg-type]
    if field.type == FieldDescriptor.TYPE_BOOL:
        return "true" if value else "false"
    if field.type == FieldDescriptor.TYPE_DOUBLE:
        return go_float(value)  # type: ignore[arg-type]
    if field.type == FieldDescriptor.TYPE_FLOAT:
        return go_float(value, 32)  # type: ignore[arg-type]
    return str(value)


def _value(field: FieldDescriptor, value: object) -> str:
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        return "{" + go_text(value) + "}"  # type: ignore[arg-type]
    return _scalar(field, value)


def go_text(message: Message | None) -> str:
    """``message.String()`` as Go prints it; ``None`` prints as Go's nil pointer ``<nil>``."""
    if message is None:
        return "<nil>"
    parts: list[str] = []
    for field in message.DESCRIPTOR.fields:
        value = getattr(message, field.name)
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value_field = field.message_type.fields_by_name["value"]
            key_field = field.message_type.fields_by_name["key"]
            for key in sorted(value):
                parts.append(f"{field.name}:{{key:{_scalar(key_field, key)} value:{_value(value_field, value[key])}}}")
        elif field.is_repeated:
            parts.extend(f"{field.name}:{_value(field, item)}" for item in value)
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            if message.HasField(field.name):
                parts.append(f"{field.name}:{_value(field, value)}")
        elif field.has_presence:
            if message.HasField(field.name):
                parts.append(f"{field.name}:{_scalar(field, value)}")
        elif value:
            parts.append(f"{field.name}:{_scalar(field, value)}")
    return " ".join(parts)
