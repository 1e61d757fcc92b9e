"""Writing files (hiring_funnel.outputs): never over an input; whole, together, or not at all.

Everything here uses real files, links, processes, signals and file systems.
A full disk and a read-only file system are a small tmpfs mounted for the
test when it runs as root (as on CI); otherwise a file-size limit
(RLIMIT_FSIZE) and a read-only folder stand in, which are real OS-level
failures too. The PDF is read back with ``pdftotext`` and ``pdfinfo``
(poppler-utils, checked by test_report.py::test_pdftotext_is_installed).
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pandas as pd
import pytest

import hiring_funnel as hf
from hiring_funnel.cli import main
from hiring_funnel.outputs import guard_cell, write_error, write_files, write_guarded_csv
from hiring_funnel.report import render_report, report
from hiring_funnel.report.render import run_id
from hiring_funnel.schema import HiringFunnelError

HTML, PDF = "hiring_funnel_report.html", "hiring_funnel_report.pdf"
#: The report's run id as the PDF's text shows it (footer of every page, and the last paragraph).
PDF_RUN = re.compile(r"\brun ([0-9a-f]{12})\b", re.IGNORECASE)


# -- helpers -------------------------------------------------------------------------------------


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def digests(folder: Path) -> dict[str, str]:
    return {p.name: digest(p) for p in sorted(folder.iterdir()) if p.is_file()}


def hidden(folder: Path) -> list[str]:
    """Temporaries and backups (``.NAME.PID.RANDOM.tmp``) left in a folder."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.startswith("hiring-funnel: error: ") and err.count("\n") == 1, err
    return err


def report_argv(events: Path, out: Path, *more: str) -> list[str]:
    return ["report", str(events), "--clock", "first_response", "--out", str(out), *more]


def pair(folder: Path) -> tuple[str, str]:
    """The run ids of the HTML and the PDF in ``folder``, after checking both are whole."""
    html = (folder / HTML).read_text(encoding="utf-8")
    assert html.rstrip().endswith("</html>"), "the HTML is cut short"
    text = subprocess.run(
        ["pdftotext", str(folder / PDF), "-"], capture_output=True, text=True, check=True
    ).stdout
    pdf_ids = set(PDF_RUN.findall(text))
    assert len(pdf_ids) == 1, pdf_ids
    html_id = run_id(html)
    assert html_id is not None and f"Run {html_id}" in html  # the meta and the footer
    return html_id, pdf_ids.pop()


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small simulated log in the simulator's layout; tests copy it before changing it."""
    folder = tmp_path_factory.mktemp("log")
    hf.write_simulated(hf.simulate(150, seed=11), folder)
    return folder


@pytest.fixture
def log(log_dir: Path, tmp_path: Path) -> Path:
    """This test's own copy of the log: ``events.csv`` with attributes.csv and mapping.toml."""
    folder = tmp_path / "log"
    shutil.copytree(log_dir, folder)
    return folder / "events.csv"


@pytest.fixture(scope="module")
def previous(log_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report folder as an earlier run left it (HTML and PDF); tests copy it."""
    folder = tmp_path_factory.mktemp("previous")
    assert main(report_argv(log_dir / "events.csv", folder, "--min-group", "5")) == 0
    return folder


def copy_report(previous: Path, folder: Path) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    for name in (HTML, PDF):
        shutil.copy2(previous / name, folder / name)
    return digests(folder)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[[str], Path | None]]:
    """``mount(size)``: a fresh tmpfs of that size, or None where mounting is not allowed."""
    mounted: list[Path] = []

    def mount(size: str) -> Path | None:
        where = tmp_path / f"tmpfs{len(mounted)}"
        where.mkdir()
        if os.geteuid() != 0 or shutil.which("mount") is None:
            return None
        cmd = ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)]
        if subprocess.run(cmd, capture_output=True).returncode != 0:
            return None  # a container without CAP_SYS_ADMIN
        mounted.append(where)
        return where

    yield mount
    for where in mounted:
        if subprocess.run(["umount", str(where)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(where)], capture_output=True)


# -- guarded CSV (moved from io) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1", "'+1"),
        ("-3", "'-3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        (-3, -3),
        (None, None),
    ],
)
def test_guard_cell(value: object, expected: object) -> None:
    assert guard_cell(value) == expected


def test_write_guarded_csv(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "=bad header": ["=1+1", "ok"],
            "n": [-3, 4],
            "s": pd.Series(["-3", pd.NA], dtype="string"),
        }
    )
    out = write_guarded_csv(frame, tmp_path / "sub" / "q.csv")
    assert out == tmp_path / "sub" / "q.csv"
    text = out.read_bytes().decode("utf-8")
    assert "\r" not in text
    assert text.splitlines() == ["'=bad header,n,s", "'=1+1,-3,'-3", "ok,4,"]
    back = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert back["n"].tolist() == ["-3", "4"]  # numbers are not text: nothing to guard
    assert hidden(out.parent) == []


def test_write_guarded_csv_reports_unwritable_path(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(HiringFunnelError, match="cannot write: a part of the path is a file"):
        write_guarded_csv(pd.DataFrame({"a": [1]}), blocker / "q.csv")


def test_write_guarded_csv_needs_force_for_an_existing_file(tmp_path: Path) -> None:
    out = tmp_path / "q.csv"
    out.write_text("keep me\n")
    with pytest.raises(HiringFunnelError, match=r"q\.csv: already exists \(pass --force"):
        write_guarded_csv(pd.DataFrame({"a": [1]}), out)
    assert out.read_text() == "keep me\n"
    write_guarded_csv(pd.DataFrame({"a": [1]}), out, force=True)
    assert out.read_text() == "a\n1\n"


# -- no input is ever overwritten ----------------------------------------------------------------


def _aliases(events: Path, tmp_path: Path) -> dict[str, Path]:
    """Other names of the log and its companions: how a user could point an output at them."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "links").mkdir()
    (tmp_path / "links" / "log.csv").symlink_to(events)
    os.link(events, tmp_path / "links" / "hard.csv")
    (tmp_path / "links" / "folder").symlink_to(events.parent, target_is_directory=True)
    return {
        "the log": events,
        "a symlink to the log": tmp_path / "links" / "log.csv",
        "the log through sub/..": tmp_path / "sub" / ".." / "log" / "events.csv",
        "a hard link to the log": tmp_path / "links" / "hard.csv",
        "the log through a symlinked folder": tmp_path / "links" / "folder" / "events.csv",
        "attributes.csv beside the log": events.parent / "attributes.csv",
        "mapping.toml beside the log": events.parent / "mapping.toml",
    }


@pytest.mark.parametrize(
    "alias",
    [
        "the log",
        "a symlink to the log",
        "the log through sub/..",
        "a hard link to the log",
        "the log through a symlinked folder",
        "attributes.csv beside the log",
        "mapping.toml beside the log",
    ],
)
def test_validate_never_quarantines_over_an_input(
    alias: str, log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = digests(log.parent)
    target = _aliases(log, tmp_path)[alias]
    # --force replaces an output, never an input.
    assert main(["validate", str(log), "--quarantine", str(target), "--force"]) == 1
    assert "is the input" in one_line_error(capsys)
    assert digests(log.parent) == before
    assert hidden(log.parent) == []


def test_validate_never_quarantines_over_the_attributes_or_mapping_given(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    attrs = Path(shutil.copy(log.parent / "attributes.csv", other / "attrs.csv"))
    mapping = Path(shutil.copy(log.parent / "mapping.toml", other / "m.toml"))
    before = digests(other)
    for target in (attrs, mapping):
        argv = ["validate", str(log), "--attributes", str(attrs), "--mapping", str(mapping)]
        assert main([*argv, "--quarantine", str(target), "--force"]) == 1
        assert f"is the input {target.name}" in one_line_error(capsys)
    assert digests(other) == before


@pytest.mark.parametrize("target", ["log", "pending", "pending via a symlink"])
def test_predict_never_writes_over_the_log_or_the_pending_file(
    target: str, log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pending = tmp_path / "pending.csv"
    pending.write_text("waited\n3\n10\n")
    (tmp_path / "p.csv").symlink_to(pending)
    out = {"log": log, "pending": pending, "pending via a symlink": tmp_path / "p.csv"}[target]
    before = digest(log), digest(pending)
    argv = ["predict", str(log), "--pending", str(pending), "--resamples", "0"]
    assert main([*argv, "--out", str(out), "--force"]) == 1
    assert "is the input" in one_line_error(capsys)
    assert (digest(log), digest(pending)) == before


def test_validate_and_predict_replace_an_existing_output_only_with_force(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pending = tmp_path / "pending.csv"
    pending.write_text("waited\n3\n")
    quarantine, predictions = tmp_path / "q.csv", tmp_path / "pred.csv"
    commands = {
        quarantine: ["validate", str(log), "--quarantine", str(quarantine)],
        predictions: ["predict", str(log), "--pending", str(pending), "--resamples", "0"]
        + ["--out", str(predictions)],
    }
    for out, argv in commands.items():
        out.write_text("a file of the user's\n")
        assert main(argv) == 1
        err = one_line_error(capsys)
        assert f"{out.name}: already exists" in err and "--force" in err
        assert out.read_text() == "a file of the user's\n"
        assert main([*argv, "--force"]) == 0
        capsys.readouterr()
        assert out.read_text() != "a file of the user's\n"
        assert hidden(tmp_path) == []
    assert pd.read_csv(predictions)["line"].tolist()[0] == 2


def test_simulate_replaces_a_log_only_with_force(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = digests(log.parent)
    argv = ["simulate", "--applications", "60", "--seed", "3", "--out", str(log.parent)]
    assert main(argv) == 1
    assert "events.csv: already exists" in one_line_error(capsys)
    assert digests(log.parent) == before
    # Any one of the four files is enough to refuse; nothing is written then.
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "truth.json").write_text("{}\n")
    assert main(["simulate", "--applications", "60", "--out", str(lone)]) == 1
    assert "truth.json: already exists" in one_line_error(capsys)
    assert sorted(p.name for p in lone.iterdir()) == ["truth.json"]
    with pytest.raises(HiringFunnelError, match="already exists"):
        hf.write_simulated(hf.simulate(60, seed=3), log.parent)
    assert digests(log.parent) == before

    assert main([*argv, "--force"]) == 0
    fresh = hf.write_simulated(hf.simulate(60, seed=3), tmp_path / "fresh")
    assert digests(log.parent) == {p.name: digest(p) for p in sorted(fresh)}
    assert hidden(log.parent) == []


@pytest.mark.parametrize(("name", "link"), [(HTML, "symlink"), (PDF, "hard link")])
def test_report_never_writes_over_an_input(
    name: str, link: str, log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    if link == "symlink":
        (out / name).symlink_to(log)
    else:
        os.link(log.parent / "attributes.csv", out / name)
    before = digests(log.parent)
    assert main(report_argv(log, out)) == 1
    assert "is the input" in one_line_error(capsys)
    assert digests(log.parent) == before
    assert sorted(p.name for p in out.iterdir()) == [name]
    with pytest.raises(HiringFunnelError, match="is the input"):
        report(log, out=out, formats="html,pdf", clocks="first_response")
    assert digests(log.parent) == before


def test_report_replaces_its_own_files_and_stamps_one_run_id(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    first = report(log, out=out, formats="html", clocks="first_response", min_group=5)
    first_id = run_id(first["html"].read_text())
    second = report(log, out=out, formats="html", clocks="first_response", min_group=6)
    second_id = run_id(second["html"].read_text())
    assert first_id and second_id and first_id != second_id  # replaced without --force
    assert sorted(p.name for p in out.iterdir()) == [HTML]


def test_the_run_id_is_in_the_html_and_in_the_pdf_text_and_metadata(previous: Path) -> None:
    html_id, pdf_id = pair(previous)
    assert html_id == pdf_id
    info = subprocess.run(
        ["pdfinfo", "-custom", str(previous / PDF)], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(rf"^HiringFunnelRun:\s+{html_id}$", info, re.MULTILINE), info


def test_the_run_id_depends_on_the_data_only(log_dir: Path) -> None:
    """The id hashes the page without it: the same log and options give the same id."""
    events = hf.read_events(log_dir / "events.csv", mapping=log_dir / "mapping.toml")
    one = render_report(events, clocks=["first_response"], min_group=5)[0]
    again = render_report(events, clocks=["first_response"], min_group=5)[0]
    other = render_report(events, clocks=["first_response"], min_group=6)[0]
    assert run_id(one) == run_id(again) and re.fullmatch(r"[0-9a-f]{12}", run_id(one) or "")
    assert run_id(other) != run_id(one)


# -- every write is atomic: unit cases on real files ---------------------------------------------


def test_a_failing_writer_leaves_the_previous_files_and_no_temporary(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"old a")
    (tmp_path / "b.txt").write_bytes(b"old b")

    def half_then_fail(f: IO[bytes]) -> None:
        f.write(b"new b, first half")
        raise RuntimeError("the writer broke")

    with pytest.raises(RuntimeError, match="the writer broke"):
        write_files({tmp_path / "a.txt": b"new a", tmp_path / "b.txt": half_then_fail}, force=True)
    assert (tmp_path / "a.txt").read_bytes() == b"old a"
    assert (tmp_path / "b.txt").read_bytes() == b"old b"
    assert hidden(tmp_path) == []


def test_a_failed_rename_puts_back_the_files_already_replaced(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"old a")
    (tmp_path / "b.txt").write_bytes(b"old b")

    def swap_b_for_a_folder(f: IO[bytes]) -> None:
        # After the checks, before the renames: the rename onto b.txt will fail for real.
        f.write(b"new b")
        (tmp_path / "b.txt").unlink()
        (tmp_path / "b.txt").mkdir()
        (tmp_path / "b.txt" / "x").write_text("x")

    with pytest.raises(HiringFunnelError, match=r"b\.txt: cannot write: .*previous files"):
        write_files(
            {tmp_path / "a.txt": b"new a", tmp_path / "b.txt": swap_b_for_a_folder}, force=True
        )
    assert (tmp_path / "a.txt").read_bytes() == b"old a"  # put back from its backup
    assert hidden(tmp_path) == []


def test_writers_into_one_folder_wait_for_its_lock(tmp_path: Path) -> None:
    import fcntl

    fd = os.open(tmp_path, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # as another run holding the folder
    done = threading.Event()
    thread = threading.Thread(
        target=lambda: (write_files({tmp_path / "a.txt": b"a"}), done.set()), daemon=True
    )
    thread.start()
    time.sleep(0.5)
    assert not done.is_set() and not (tmp_path / "a.txt").exists()
    os.close(fd)  # releases the lock
    thread.join(10)
    assert done.is_set() and (tmp_path / "a.txt").read_bytes() == b"a"


def test_leftovers_of_killed_runs_are_removed(tmp_path: Path) -> None:
    stale = [".a.txt.4242.0123abcd.tmp", ".a.txt.1.89abcdef.old"]
    kept = [".a.txt.tmp", ".other.txt.4242.0123abcd.tmp", "notes.txt"]
    for name in [*stale, *kept]:
        (tmp_path / name).write_text("x")
    write_files({tmp_path / "a.txt": b"a"})
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*kept, "a.txt"])


_RENAME_THEN_SIGNAL = """
import os, signal, sys
from pathlib import Path

from hiring_funnel.outputs import write_files

folder, signum = Path(sys.argv[1]), int(sys.argv[2])
real_replace = os.replace
calls = []

def replace(src, dst):
    real_replace(src, dst)
    calls.append(dst)
    if len(calls) == 1:  # between the two renames, as a kill or a Ctrl-C could land
        os.kill(os.getpid(), signum)

os.replace = replace
write_files({folder / "a.txt": b"new a", folder / "b.txt": b"new b"}, force=True)
print("not reached: the signal is delivered once both files are in place")
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_between_two_renames_waits_for_the_second(
    signum: signal.Signals, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_bytes(b"old a")
    (tmp_path / "b.txt").write_bytes(b"old b")
    run = subprocess.run(
        [sys.executable, "-c", _RENAME_THEN_SIGNAL, str(tmp_path), str(int(signum))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode != 0 and "not reached" not in run.stdout, run.stderr
    assert (tmp_path / "a.txt").read_bytes() == b"new a"
    assert (tmp_path / "b.txt").read_bytes() == b"new b"
    assert hidden(tmp_path) == []


def test_write_error_says_what_failed() -> None:
    def message(code: int) -> str:
        return str(write_error(OSError(code, os.strerror(code)), "out/r.pdf"))

    assert message(errno.ENOSPC).startswith("out/r.pdf: cannot write: the disk is full")
    assert "disk is full" in message(errno.EDQUOT)
    assert "read-only" in message(errno.EROFS)
    assert "permission denied" in message(errno.EACCES)
    assert all("unchanged" in message(c) for c in (errno.ENOSPC, errno.EROFS, errno.EIO))


# -- every write is atomic: the report, killed, racing, on a full or read-only disk ---------------


def cli_with_file_size_limit(argv: list[str], limit: int) -> str:
    """Run the command with RLIMIT_FSIZE: a write past ``limit`` bytes fails (EFBIG); its error."""

    def limit_file_size() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    run = subprocess.run(
        [sys.executable, "-m", "hiring_funnel", *argv],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=limit_file_size,
    )
    assert run.returncode == 1, run.stderr
    return run.stderr.splitlines()[-1]


def _report_process(events: Path, out: Path, min_group: int) -> subprocess.Popen[bytes]:
    argv = report_argv(events, out, "--min-group", str(min_group))
    return subprocess.Popen(
        [sys.executable, "-m", "hiring_funnel", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _kill_at(proc: subprocess.Popen[bytes], out: Path, when: float | str, signum: int) -> None:
    """Signal ``proc`` after ``when`` seconds, or as soon as a temporary appears in ``out``."""
    deadline = time.monotonic() + (when if isinstance(when, float) else 120.0)
    while proc.poll() is None and time.monotonic() < deadline:
        if when == "temporary" and any(n.endswith(".tmp") for n in os.listdir(out)):
            break
        time.sleep(0.001)
    if proc.poll() is None:
        proc.send_signal(signum)
    proc.communicate(timeout=120)


def _kill_and_check(log: Path, previous: Path, tmp_path: Path, moments: list[Any]) -> None:
    out = tmp_path / "out"
    copy_report(previous, out)
    started = time.monotonic()
    proc = _report_process(log, out, 6)
    proc.communicate(timeout=300)
    assert proc.returncode == 0
    seconds = time.monotonic() - started
    for i, (signum, fraction) in enumerate(moments):
        proc = _report_process(log, out, 5 + i % 2 * 2)  # each run differs from the last
        when = fraction if fraction == "temporary" else fraction * seconds
        _kill_at(proc, out, when, signum)
        html_id, pdf_id = pair(out)  # the old pair or the new one, whole
        assert html_id == pdf_id, f"signal {signum} at {when}: HTML and PDF of different runs"
    assert main(report_argv(log, out)) == 0  # the next run removes what killed runs left
    assert sorted(p.name for p in out.iterdir()) == [HTML, PDF]


def test_a_killed_report_leaves_one_whole_pair(log: Path, previous: Path, tmp_path: Path) -> None:
    moments = [
        (signal.SIGKILL, "temporary"),  # while the files are being written or renamed
        (signal.SIGTERM, "temporary"),
        (signal.SIGKILL, 0.9),  # while the PDF is made
    ]
    _kill_and_check(log, previous, tmp_path, moments)


@pytest.mark.slow
def test_a_report_killed_at_random_moments_leaves_one_whole_pair(
    log: Path, previous: Path, tmp_path: Path
) -> None:
    import random

    rng = random.Random(10)
    signals = [signal.SIGKILL, signal.SIGTERM, signal.SIGINT]
    moments = [(rng.choice(signals), rng.uniform(0.3, 1.1)) for _ in range(12)]
    moments += [(s, "temporary") for s in signals for _ in range(2)]
    _kill_and_check(log, previous, tmp_path, moments)


def test_two_reports_at_once_into_one_folder_leave_one_pair(
    log: Path, previous: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    copy_report(previous, out)
    runs = [_report_process(log, out, k) for k in (5, 8)]
    for proc in runs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    html_id, pdf_id = pair(out)
    assert html_id == pdf_id
    assert sorted(p.name for p in out.iterdir()) == [HTML, PDF]


def test_a_full_disk_says_so_and_keeps_the_previous_report(
    log: Path,
    previous: Path,
    tmp_path: Path,
    tmpfs: Callable[[str], Path | None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    disk = tmpfs("4m")
    if disk is None:  # not root: a file-size limit makes the write fail in the kernel instead
        out = tmp_path / "out"
        before = copy_report(previous, out)
        limit = (previous / HTML).stat().st_size // 2
        err = cli_with_file_size_limit(report_argv(log, out, "--min-group", "6"), limit)
        assert f"{HTML}: cannot write: the file is larger than the system allows" in err
    else:
        out = disk / "out"
        before = copy_report(previous, out)
        # Leave room for the new HTML and half the PDF: the PDF's temporary cannot be written.
        room = (previous / HTML).stat().st_size + (previous / PDF).stat().st_size // 2
        stats = os.statvfs(disk)
        with (disk / "filler").open("wb") as f:
            f.write(b"\0" * (stats.f_bavail * stats.f_frsize - room))
        assert main(report_argv(log, out, "--min-group", "6")) == 1
        err = one_line_error(capsys)
        assert f"{PDF}: cannot write: the disk is full" in err, err
        assert "Pango" not in err
    assert digests(out) == before
    assert hidden(out) == []


@pytest.mark.parametrize("formats", ["pdf", "html,pdf"])
def test_a_read_only_disk_says_so_and_keeps_the_previous_report(
    formats: str,
    log: Path,
    previous: Path,
    tmp_path: Path,
    tmpfs: Callable[[str], Path | None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    disk = tmpfs("4m")
    out = (tmp_path if disk is None else disk) / "out"
    before = copy_report(previous, out)
    if disk is None:  # not root: a folder without write permission
        out.chmod(0o555)
        expected = "permission denied"
    else:
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        expected = "the file system is read-only"
    try:
        assert main(report_argv(log, out, "--min-group", "6", "--format", formats)) == 1
    finally:
        if disk is None:
            out.chmod(0o755)
    err = one_line_error(capsys)
    assert f"cannot write: {expected}" in err and "Pango" not in err, err
    assert digests(out) == before
    assert hidden(out) == []


def test_a_quarantine_on_a_full_disk_says_so(
    log: Path,
    tmp_path: Path,
    tmpfs: Callable[[str], Path | None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    with log.open("a") as f:  # rows to quarantine
        f.writelines(f"bad{i},,,lunch,not a date,,\n" for i in range(50))
    disk = tmpfs("64k")
    folder = tmp_path if disk is None else disk
    (folder / "q.csv").write_text("the previous quarantine\n")
    argv = ["validate", str(log), "--quarantine", str(folder / "q.csv"), "--force"]
    if disk is None:  # not root: a file-size limit instead of a full disk
        err = cli_with_file_size_limit(argv, 100)
        assert "q.csv: cannot write: the file is larger than the system allows" in err
    else:
        stats = os.statvfs(disk)
        with (disk / "filler").open("wb") as f:
            f.write(b"\0" * (stats.f_bavail * stats.f_frsize))
        assert main(argv) == 1
        err = capsys.readouterr().err.splitlines()[-1]
        assert "q.csv: cannot write: the disk is full" in err
    assert (folder / "q.csv").read_text() == "the previous quarantine\n"
    assert hidden(folder) == []
