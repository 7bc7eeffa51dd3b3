"""The committed protobuf code is what `make proto` makes from the .proto files today."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_proto", ROOT / "tools" / "gen_proto.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_code_matches_the_proto_files(tmp_path: Path):
    fresh = _generator().generate(tmp_path)
    committed = ROOT / "reports" / "v1"
    fresh_names = sorted(p.name for p in fresh)
    assert fresh_names == sorted(p.name for p in committed.iterdir() if p.is_file()), (
        "reports/v1 has files make proto would not make (or lacks some): run `make proto`"
    )
    stale = [p.name for p in fresh if p.read_bytes() != (committed / p.name).read_bytes()]
    assert not stale, f"generated code is stale, run `make proto`: {stale}"


def test_staleness_is_detected_when_a_proto_changes(tmp_path: Path, monkeypatch):
    generator = _generator()
    protos = tmp_path / "proto"
    (protos / "reports" / "v1").mkdir(parents=True)
    for source in (ROOT / "proto" / "reports" / "v1").glob("*.proto"):
        text = source.read_text()
        if source.name == "target.proto":
            text = text.replace("optional string hint = 4;", "optional string hint = 4;\n  string added = 9;")
        (protos / "reports" / "v1" / source.name).write_text(text)
    monkeypatch.setattr(generator, "PROTO_ROOT", protos)
    changed = {
        p.name
        for p in generator.generate(tmp_path / "out")
        if p.read_bytes() != (ROOT / "reports" / "v1" / p.name).read_bytes()
    }
    assert {"target_pb2.py", "target_pb2.pyi"} <= changed
