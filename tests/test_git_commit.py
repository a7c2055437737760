"""git_commit in result metadata: from the package's own checkout, else from the current
directory's checkout of the same skbbench when the package is an installed copy."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from skbbench import __version__, sysinfo

PACKAGE = Path(sysinfo.__file__).resolve().parent
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def _copy_package(dest: Path) -> Path:
    shutil.copytree(PACKAGE, dest, ignore=shutil.ignore_patterns("__pycache__", "configs"))
    return dest


def _checkout(root: Path, version: str = __version__) -> str:
    """A git checkout of a skbbench source tree at ``root``; returns its HEAD."""
    pkg = _copy_package(root / "skbbench")
    init = pkg / "__init__.py"
    init.write_text(init.read_text().replace(f'"{__version__}"', f'"{version}"'))
    subprocess.run([*GIT, "init", "-q", str(root)], check=True)
    subprocess.run([*GIT, "-C", str(root), "add", "-A"], check=True)
    subprocess.run([*GIT, "-C", str(root), "commit", "-qm", "x"], check=True)
    return subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_installed_copy_takes_the_commit_of_the_working_directory(tmp_path):
    head = _checkout(tmp_path / "src")
    installed = _copy_package(tmp_path / "site-packages" / "skbbench")
    (tmp_path / "src" / "docs").mkdir()
    assert sysinfo.git_commit_info(installed, tmp_path / "src" / "docs") == (
        head,
        "working-directory",
    )
    # the installed modules no longer match the checkout's: still recorded, but flagged
    (installed / "results.py").write_text("# edited\n")
    assert sysinfo.git_commit_info(installed, tmp_path / "src") == (
        head,
        "working-directory-differs",
    )
    # an uncommitted change in the checkout shows as -dirty
    (tmp_path / "src" / "skbbench" / "errors.py").write_text("# edited\n")
    assert sysinfo.git_commit_info(installed, tmp_path / "src")[0] == head + "-dirty"


def test_package_checkout_comes_first_and_other_trees_are_ignored(tmp_path):
    head = _checkout(tmp_path / "src")
    _checkout(tmp_path / "other")
    assert sysinfo.git_commit_info(tmp_path / "src" / "skbbench", tmp_path / "other") == (
        head,
        "package",
    )
    installed = _copy_package(tmp_path / "site-packages" / "skbbench")
    _checkout(tmp_path / "old", version="0.0.1")
    assert sysinfo.git_commit_info(installed, tmp_path / "old") == (None, None)  # other version
    assert sysinfo.git_commit_info(installed, tmp_path) == (None, None)  # not a checkout
    (tmp_path / "plain").mkdir()
    subprocess.run([*GIT, "init", "-q", str(tmp_path / "plain")], check=True)
    assert sysinfo.git_commit_info(installed, tmp_path / "plain") == (None, None)  # no skbbench
