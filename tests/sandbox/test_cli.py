"""``rewardgym sandbox ...`` sub-commands, through the real ``rewardgym`` parser."""

from __future__ import annotations

import argparse

import pytest

from rewardgym.sandbox.cli import register_commands
from tests.conftest import need


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rewardgym")
    register_commands(parser.add_subparsers(dest="command", required=True))
    return parser


def test_parser_shapes(tmp_path):
    prog = tmp_path / "prog.py"
    prog.write_text("print(1)\n")
    args = _parser().parse_args(["sandbox", "run", "--backend", "process", "--timeout", "3", str(prog), "x", "-v"])
    assert (args.backend, args.timeout, str(args.file), args.args) == ("process", 3.0, str(prog), ["x", "-v"])
    with pytest.raises(SystemExit):  # a file that does not exist is refused by the parser
        _parser().parse_args(["sandbox", "run", str(tmp_path / "missing.py")])
    args = _parser().parse_args(["sandbox", "build-image", "--tag", "img:1", "--force"])
    assert (args.tag, args.force) == ("img:1", True)
    with pytest.raises(SystemExit):
        _parser().parse_args(["sandbox", "run", "--backend", "vm", "prog.py"])


def test_run_command_runs_a_file_in_the_sandbox(tmp_path, capsys, monkeypatch):
    need("bubblewrap")
    prog = tmp_path / "prog.py"
    prog.write_text("import os, sys\nprint('args', sys.argv[1:], os.getuid() != 0)\nsys.exit(4)\n")
    monkeypatch.setattr("sys.stdin", open("/dev/null"))  # noqa: SIM115 - closed by pytest's monkeypatch teardown
    args = _parser().parse_args(["sandbox", "run", "--backend", "process", str(prog), "a", "b"])
    assert args.func(args) == 4
    out, err = capsys.readouterr()
    assert out == "args ['a', 'b'] True\n"
    assert "process sandbox: exit code 4" in err


def test_info_reports_backends(capsys):
    args = _parser().parse_args(["sandbox", "info"])
    code = args.func(args)
    out = capsys.readouterr().out
    assert out.startswith("process: ") and "\ndocker:  " in out and "\nauto:    " in out
    assert code in (0, 1)


@pytest.mark.docker
def test_build_image_is_skipped_when_the_image_exists(capsys):
    need("docker")
    from rewardgym.sandbox.docker_backend import DEFAULT_IMAGE
    from rewardgym.sandbox.image import image_exists

    if not image_exists(DEFAULT_IMAGE):
        pytest.fail("the sandbox image is missing; build it with: rewardgym sandbox build-image")
    args = _parser().parse_args(["sandbox", "build-image"])
    assert args.func(args) == 0
    assert "already exists; skipping" in capsys.readouterr().out


def test_host_mirror_detection_reads_apt_sources():
    from rewardgym.sandbox.image import host_debian_mirror

    suite, mirror = host_debian_mirror()
    assert suite and mirror.startswith(("http://", "https://"))
