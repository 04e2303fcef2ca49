import socket
import time
import tracemalloc

import pytest

from engine.xmlsafe import DEFINITIONS_TAG, BpmnXmlError, parse_xml

NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'

VALID = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NS} id="defs" targetNamespace="http://example.org/bpmn">
  <bpmn:process id="p1" name="干部选拔任用" isExecutable="true">
    <bpmn:documentation>民主推荐 &amp; 考察</bpmn:documentation>
    <bpmn:startEvent id="start" name="开始"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _doctype_doc(dtd: str, body: str = "&e;") -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE bpmn:definitions [{dtd}]>\n'
        f"<bpmn:definitions {NS}><bpmn:documentation>{body}</bpmn:documentation></bpmn:definitions>\n"
    ).encode()


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_valid_minimal_definitions_parses():
    root = parse_xml(VALID.encode("utf-8"), filename="ok.bpmn")
    assert root.tag == DEFINITIONS_TAG
    assert root.get("id") == "defs"


def test_str_with_encoding_declaration_and_chinese_names():
    root = parse_xml(VALID)  # a str that declares encoding="UTF-8"
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    assert root.find("bpmn:process", ns).get("name") == "干部选拔任用"
    assert root.find("bpmn:process/bpmn:startEvent", ns).get("name") == "开始"
    assert root.findtext("bpmn:process/bpmn:documentation", namespaces=ns) == "民主推荐 & 考察"
    # bytes in other encodings are honoured too
    gbk = VALID.replace('encoding="UTF-8"', 'encoding="GBK"').encode("gbk")
    assert parse_xml(gbk).find("bpmn:process", ns).get("name") == "干部选拔任用"


def test_xxe_file_entity_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    for target in ("file:///etc/passwd", secret.as_uri()):
        with pytest.raises(BpmnXmlError) as info:
            parse_xml(_doctype_doc(f'<!ENTITY e SYSTEM "{target}">'), filename="xxe.bpmn")
        err = info.value
        assert "DOCTYPE" in err.message_en and "DOCTYPE" in err.message_zh
        text = str(err) + repr(err.as_dict())
        assert "root:" not in text and "TOP-SECRET" not in text
        assert str(err).startswith("xxe.bpmn:")


def test_ssrf_parameter_entity_refused_without_network(no_network):
    doc = _doctype_doc('<!ENTITY % p SYSTEM "http://127.0.0.1:9/x"> %p;', body="x")
    with pytest.raises(BpmnXmlError, match="DOCTYPE"):
        parse_xml(doc)
    doc = _doctype_doc('<!ENTITY e SYSTEM "http://127.0.0.1:9/x">')
    with pytest.raises(BpmnXmlError, match="DOCTYPE"):
        parse_xml(doc)


def test_billion_laughs_refused_quickly():
    dtd = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    doc = _doctype_doc(dtd, body="&lol9;")
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(BpmnXmlError, match="DOCTYPE"):
            parse_xml(doc)
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 1.0
    assert peak < 10_000_000


def test_quadratic_blowup_refused():
    doc = _doctype_doc(f'<!ENTITY a "{"x" * 50_000}">', body="&a;" * 50_000)
    start = time.perf_counter()
    with pytest.raises(BpmnXmlError, match="DOCTYPE"):
        parse_xml(doc)
    assert time.perf_counter() - start < 1.0


def test_doctype_after_comments_and_in_utf16_refused():
    doc = f'<?xml version="1.0"?>\n<!-- hi -->\n<?pi x?>\n<!DOCTYPE d>\n<bpmn:definitions {NS}/>'
    with pytest.raises(BpmnXmlError, match="DOCTYPE"):
        parse_xml(doc)
    with pytest.raises(BpmnXmlError, match="DOCTYPE"):
        parse_xml(
            doc.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>').encode("utf-16")
        )


def test_malformed_xml_reports_line():
    doc = f'<?xml version="1.0"?>\n<bpmn:definitions {NS}>\n  <bpmn:process id="p">\n  </bpmn:task>\n</bpmn:definitions>\n'
    with pytest.raises(BpmnXmlError) as info:
        parse_xml(doc, filename="bad.bpmn")
    err = info.value
    assert err.line == 4
    assert str(err).startswith("bad.bpmn:4: malformed XML")
    assert err.message_zh.startswith("XML 格式错误")
    assert err.as_dict() == {
        "file": "bad.bpmn",
        "line": 4,
        "message": err.message_en,
        "message_zh": err.message_zh,
    }


def test_empty_input_refused():
    with pytest.raises(BpmnXmlError, match="malformed XML"):
        parse_xml(b"")


def test_oversized_input_refused_before_parsing():
    big = VALID.encode() + b" " * 2000
    with pytest.raises(BpmnXmlError, match="larger than the limit") as info:
        parse_xml(big, max_bytes=1000)
    assert info.value.line is None
    assert str(info.value).startswith("<upload>: ")
    with pytest.raises(BpmnXmlError, match="larger than the limit"):
        parse_xml("x" * 6_000_000)  # default limit, str input


def test_deep_nesting_refused():
    doc = f"<bpmn:definitions {NS}>" + "<a>" * 200 + "</a>" * 200 + "</bpmn:definitions>"
    with pytest.raises(BpmnXmlError, match="nested more than 64") as info:
        parse_xml(doc)
    assert "嵌套" in info.value.message_zh


def test_too_many_elements_refused():
    doc = f"<bpmn:definitions {NS}>" + "<a/>" * 101 + "</bpmn:definitions>"
    with pytest.raises(BpmnXmlError, match="more than 100 elements"):
        parse_xml(doc, max_elements=100)
    assert parse_xml(doc, max_elements=102).tag == DEFINITIONS_TAG


def test_non_bpmn_root_refused():
    with pytest.raises(BpmnXmlError, match="BPMN 2.0 <definitions> root") as info:
        parse_xml("<definitions><process/></definitions>", filename="x.xml")
    assert info.value.line == 1
    assert "definitions" in info.value.message_zh
    with pytest.raises(BpmnXmlError, match="BPMN 2.0 <definitions> root"):
        parse_xml(f"<bpmn:process {NS}/>")


def test_wrong_type_rejected():
    with pytest.raises(TypeError):
        parse_xml(123)  # type: ignore[arg-type]


def test_doctype_refused_by_post_parse_check_too(monkeypatch):
    # Defence in depth: even if the textual pre-scan missed a DOCTYPE, nothing is expanded.
    monkeypatch.setattr("engine.xmlsafe._prolog", lambda data: "")
    with pytest.raises(BpmnXmlError, match="DOCTYPE"):
        parse_xml(f"<!DOCTYPE bpmn:definitions>\n<bpmn:definitions {NS}/>")
    with pytest.raises(BpmnXmlError) as info:
        parse_xml(_doctype_doc('<!ENTITY e SYSTEM "file:///etc/passwd">'))
    assert "root:" not in str(info.value)
