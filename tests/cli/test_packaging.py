"""The product wheel stands on its own: no simulator inside, no simulator-only dependency, and
`invoice2go import` works against a QBO company with the simulator impossible to import."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

from qbo_simulator import Simulator

from tests.cli.conftest import Cli, connected_account

ROOT = Path(__file__).resolve().parents[2]

# Run the real command with the simulator and what only it needs made unimportable.
BLOCKER = """
import sys
class _Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("qbo_simulator", "joserfc"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, _Blocked())
"""


def test_the_wheel_holds_no_simulator_and_needs_no_simulator_dependency(tmp_path: Path) -> None:
    # Built from a copy: setuptools leaves build/ and egg-info folders beside the sources.
    source = tmp_path / "source"
    junk = (".*", "build", "*.egg-info", "__pycache__", "tests", "benchmarks", "simulator")
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*junk))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(source),
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("invoice2go_qbo-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(metadata_name).decode())
    packages = {name.split("/")[0] for name in names if name.endswith(".py")}
    assert packages == {"bot", "i18n", "importer", "invoice2go", "qbo", "storage"}
    assert "i18n/locales/es/LC_MESSAGES/messages.po" in names
    requires = metadata.get_all("Requires-Dist") or []
    always = [r for r in requires if "extra ==" not in r]
    assert not [r for r in always if r.startswith(("joserfc", "invoice2go-qbo-simulator"))]
    assert any(r.startswith("aiohttp") for r in always)


async def test_import_runs_without_the_simulator_installed(
    cli: Cli, simulator: Simulator, tmp_path: Path
) -> None:
    await connected_account(cli, simulator, "Acme")
    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    cli.env["PYTHONPATH"] = str(tmp_path)

    result = await cli("import", "--account", "Acme", "all")
    demo = await cli("demo")

    assert result.code == 0, result.err
    assert "Clients: 29 imported" in result.out
    assert "Items: 18 imported" in result.out
    assert demo.code == 1
    assert "the QuickBooks simulator is not installed" in demo.err
