"""Hardened XML parsing for uploaded BPMN files.

Uploaded BPMN is hostile until proven otherwise: no DTDs, no entities (internal or
external), no network, bounded size, depth and element count.  Every refusal is a
:class:`BpmnXmlError` carrying the file name, a line number when known, and the
message in English and Chinese.
"""

from __future__ import annotations

import io
import re

from lxml import etree

BPMN_MODEL_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DEFINITIONS_TAG = f"{{{BPMN_MODEL_NS}}}definitions"

# Whitespace, processing instructions (incl. the XML declaration) and comments may precede
# a DOCTYPE; anything else ends the prolog.
_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.S)
_FORBIDDEN = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.I)
# UTF-16/32 by BOM or by a leading "<"; anything else is ASCII-compatible (markup is plain ASCII).
_WIDE_CODECS = (
    (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"), (b"<\x00\x00\x00", "utf-32-le"), (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be"),
)  # fmt: skip
_XML_DECL = re.compile(r"\A(\ufeff?)\s*<\?xml\b[^>]*\?>")


class BpmnXmlError(ValueError):
    """An uploaded XML/BPMN document was refused."""

    def __init__(self, filename: str, line: int | None, message_en: str, message_zh: str) -> None:
        self.filename = filename
        self.line = line
        self.message_en = message_en
        self.message_zh = message_zh
        where = f"{filename}:{line}" if line is not None else filename
        super().__init__(f"{where}: {message_en}")

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.filename,
            "line": self.line,
            "message": self.message_en,
            "message_zh": self.message_zh,
        }


_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": False,
}


def _to_bytes(content: bytes | str, filename: str, max_bytes: int) -> bytes:
    if isinstance(content, str):
        if len(content) > max_bytes:  # a UTF-8 encoding is never shorter than the char count
            raise _too_big(filename, max_bytes)
        # lxml refuses str input with an encoding declaration; we feed UTF-8 bytes, so drop
        # the declaration (it lives on line 1, so line numbers are unchanged).
        content = _XML_DECL.sub("", content, count=1).lstrip("\ufeff").encode("utf-8")
    elif isinstance(content, bytearray | memoryview):
        content = bytes(content)
    elif not isinstance(content, bytes):
        raise TypeError(f"parse_xml expects bytes or str, not {type(content).__name__}")
    if len(content) > max_bytes:
        raise _too_big(filename, max_bytes)
    return content


def _too_big(filename: str, max_bytes: int) -> BpmnXmlError:
    return BpmnXmlError(
        filename,
        None,
        f"the file is larger than the limit of {max_bytes} bytes",
        f"文件超过 {max_bytes} 字节的大小上限",
    )


def _doctype_error(filename: str, line: int | None = None) -> BpmnXmlError:
    return BpmnXmlError(
        filename,
        line,
        "the file declares a DOCTYPE; DTDs and entities are not allowed",
        "文件包含 DOCTYPE 声明；不允许 DTD 和实体",
    )


def _too_deep(filename: str, line: int | None, max_depth: int) -> BpmnXmlError:
    return BpmnXmlError(
        filename,
        line,
        f"elements are nested more than {max_depth} levels deep",
        f"元素嵌套层数超过 {max_depth} 层上限",
    )


def _too_long(filename: str, el, attribute: str | None, max_text: int) -> BpmnXmlError:
    """A text (``attribute`` None) or an attribute value of ``el`` over the limit."""
    element = f"<{etree.QName(el).localname}{' id=' + repr(el.get('id')[:64]) if el.get('id') else ''}>"
    en, zh = (f"attribute {attribute}", f"属性 {attribute} ") if attribute else ("text", "文本")
    return BpmnXmlError(
        filename,
        el.sourceline,
        f"the {en} of {element} is longer than {max_text} characters",
        f"{element} 的{zh}超过 {max_text} 个字符的上限",
    )


def _check_lengths(root, filename: str, max_text: int) -> None:
    """No text (not counting comments) and no attribute value longer than ``max_text`` (in C, by XPath)."""
    found = root.xpath("(//text()[string-length(.) > $n] | //@*[string-length(.) > $n])[1]", n=max_text)
    if found:
        value = found[0]
        attribute = getattr(value, "attrname", None) if value.is_attribute else None
        raise _too_long(filename, value.getparent(), etree.QName(attribute).localname if attribute else None,
                        max_text)


def _prolog(data: bytes) -> str:
    """The text before the root element, decoded well enough to look for markup tokens."""
    codec = next((c for prefix, c in _WIDE_CODECS if data.startswith(prefix)), "latin-1")
    text = data.decode(codec, errors="replace").lstrip("\ufeff").removeprefix("\xef\xbb\xbf")
    pos = 0
    while (m := _PROLOG_ITEM.match(text, pos)) and m.end() > pos:
        pos = m.end()
    # The DOCTYPE, if any, starts right here; include enough to see it.
    return text[: pos + 16]


def parse_xml(
    content: bytes | str,
    filename: str = "<upload>",
    max_bytes: int = 5_000_000,
    max_depth: int = 64,
    max_elements: int = 50_000,
    max_text: int = 100_000,
) -> etree._Element:
    """Parse an untrusted BPMN 2.0 document and return its ``definitions`` root element.

    Refused: more than ``max_bytes`` bytes, a DOCTYPE (so no DTD, no entity of any kind), elements
    nested deeper than ``max_depth``, more than ``max_elements`` elements, a text or an attribute
    value longer than ``max_text`` characters (the sandbox runs no script longer than that)."""
    data = _to_bytes(content, filename, max_bytes)

    # Refuse DTDs before libxml2 sees them: nothing gets declared, let alone expanded.
    if _FORBIDDEN.search(_prolog(data)):
        raise _doctype_error(filename, 1)

    # Streamed, so that the limits stop the parse where they are crossed: a million tiny elements or
    # 100k levels of nesting are refused after 50k elements / 64 levels, not after building the tree.
    root = None
    depth = count = 0
    try:
        for event, el in etree.iterparse(io.BytesIO(data), events=("start", "end"), **_PARSER_OPTIONS):
            if event == "end":
                depth -= 1
                continue
            depth += 1
            count += 1
            if root is None:
                root = el
            if depth > max_depth:
                raise _too_deep(filename, el.sourceline, max_depth)
            if count > max_elements:
                raise BpmnXmlError(
                    filename,
                    el.sourceline,
                    f"the file has more than {max_elements} elements",
                    f"文件元素数量超过 {max_elements} 个上限",
                )
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        msg = exc.msg or str(exc)
        if "Excessive depth" in msg:  # libxml2's own bound (256) hit inside one chunk before ours
            raise _too_deep(filename, line, max_depth) from None
        raise BpmnXmlError(filename, line, f"malformed XML: {msg}", f"XML 格式错误：{msg}") from None

    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.system_url or docinfo.public_id:
        raise _doctype_error(filename)
    _check_lengths(root, filename, max_text)

    if root.tag != DEFINITIONS_TAG:
        raise BpmnXmlError(
            filename,
            root.sourceline,
            f"a BPMN 2.0 <definitions> root element ({DEFINITIONS_TAG}) is expected, found {root.tag!r}",
            f"根元素应为 BPMN 2.0 的 <definitions>（{DEFINITIONS_TAG}），实际为 {root.tag!r}",
        )
    return root
