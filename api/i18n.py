"""The caller's language (Accept-Language: zh-CN by default, en) and messages in it."""

from __future__ import annotations

import re

from flask import request

# marshmallow's own messages, for the API's request schemas (domain forms localise their own)
_ZH = {
    "Missing data for required field.": "缺少必填字段。",
    "Unknown field.": "不允许的字段。",
    "Field may not be null.": "此字段不能为空。",
    "Not a valid string.": "不是有效的字符串。",
    "Not a valid integer.": "不是有效的整数。",
    "Not a valid boolean.": "不是有效的布尔值。",
    "Not a valid mapping type.": "不是有效的对象。",
    "Not a valid list.": "不是有效的列表。",
    "Not a valid datetime.": "不是有效的日期时间。",
    "Not a valid aware datetime.": "不是有效的日期时间：须带时区（如 +08:00）。",
    "Not a valid utf-8 string.": "不是有效的 UTF-8 字符串。",
    "Not a valid number.": "不是有效的数字。",
    "Number too large.": "数值过大。",
    "Not a valid date.": "不是有效的日期。",
    "Invalid input type.": "输入类型无效。",
    "Invalid value.": "值无效。",
}


def locale() -> str:
    header = request.headers.get("Accept-Language", "") if request else ""
    first = header.split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "zh-CN"


def is_en() -> bool:
    return locale() == "en"


def say(en: str, zh: str) -> str:
    return en if is_en() else zh


def marshmallow_message(message: str) -> str:
    if is_en():
        return message
    if message in _ZH:
        return _ZH[message]
    if message.startswith("Must be one of:"):
        return "必须是以下之一：" + message.removeprefix("Must be one of:")
    for pattern, zh in _ZH_PATTERNS:
        found = pattern.fullmatch(message)
        if found:
            return zh.format(*found.groups())
    return message


_ZH_PATTERNS = [(re.compile(en), zh) for en, zh in [  # marshmallow's Range and Length messages
    (r"Must be greater than or equal to (.+) and less than or equal to (.+)\.", "必须介于 {} 与 {} 之间。"),
    (r"Must be greater than or equal to (.+)\.", "必须大于或等于 {}。"),
    (r"Must be less than or equal to (.+)\.", "必须小于或等于 {}。"),
    (r"Length must be between (\S+) and (\S+)\.", "长度必须介于 {} 与 {} 之间。"),
    (r"Shorter than minimum length (\S+)\.", "长度不能少于 {}。"),
    (r"Longer than maximum length (\S+)\.", "长度不能超过 {}。"),
    (r"Length must be (\S+)\.", "长度必须为 {}。"),
]]
