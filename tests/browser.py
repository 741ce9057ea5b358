"""A real JupyterLab server and headless Chromium, for the tests that use the course as people do.

The server listens on 127.0.0.1, on a free port, behind a token, with a Jupyter
config folder of its own (what a student or an instructor account has in
``~/.jupyter``); it is stopped with its kernels when the test is done.
Chromium is Debian's, driven by Playwright's Python package: Playwright's own
browser download is not reachable here, and a packaged Chromium is what an
institution's machines have too.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from exchange_loop import BIN

#: What Chromium needs to run headless as root on a machine without a network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: Lab settings for a test: every cell in the page (JupyterLab 4 renders only those in view by
#: default, and a test looks cells up by their text), and no news or update pop-ups.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                         "checkForUpdates": False},
}


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise RuntimeError("Chromium is not installed: `make test` installs it (apt-get install chromium)")
    return path


def launch(playwright):
    return playwright.chromium.launch(executable_path=chromium(), headless=True, args=CHROMIUM_ARGS)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLab:
    """``jupyter lab`` in ``root``, configured from ``config_dir``; run as another user with ``prefix``."""

    def __init__(self, root: Path, config_dir: Path, env: dict[str, str], prefix: list[str] = (),
                 owner: str | None = None, log: Path | None = None):
        self.token = secrets.token_hex(16)
        self.port = _free_port()
        for name, settings in LAB_SETTINGS.items():
            path = config_dir / "lab" / "user-settings" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(settings))
        if owner:  # the account's own ~/.jupyter
            for path in [config_dir, *config_dir.rglob("*")]:
                shutil.chown(path, owner, owner)
        env = dict(env, JUPYTER_CONFIG_DIR=str(config_dir), JUPYTER_RUNTIME_DIR=str(config_dir / "runtime"))
        command = [*prefix, str(BIN / "jupyter-lab"), "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
                   f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}"]
        if os.geteuid() == 0 and not prefix:
            command.append("--allow-root")
        self.log = log or config_dir.parent / f"jupyterlab-{self.port}.log"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(command, cwd=root, env=env, stdout=self.log.open("w"),
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready()

    def url(self, path: str = "lab") -> str:
        sep = "&" if "?" in path else "?"
        return f"http://127.0.0.1:{self.port}/{path}{sep}token={self.token}"

    def get(self, path: str) -> int:
        """The HTTP status of ``path`` on this server."""
        try:
            with urllib.request.urlopen(self.url(path), timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def _wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited:\n{self.log.read_text()[-3000:]}")
            try:
                if self.get("api/status") == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"JupyterLab did not answer within {timeout:g} s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        """The server and its kernels (one process group)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
