"""Kernels forked from a process that has imported the analysis stack once.

Every kernel of a run imported pandas, statsmodels, matplotlib and the package again: about
2.5 s of CPU a kernel, spent while the runner validates the cycle on the same two cores. A fork
server (``python -m xmo_analysis.pipeline.forkserver``, started by the runner) imports them once;
each kernel is then a ``fork()`` of it that starts ipykernel on the connection file jupyter_client
wrote, so a kernel costs its start only. The notebooks run through papermill and nbclient as
before: :class:`ForkedKernelManager` changes how the kernel process is launched, nothing else.

Why a server of its own rather than forking the runner: fork is only safe in a process with one
thread, and the runner has several (job slots, nbclient's sockets). The server never starts a
thread, an event loop or a socket; it reads one request per line on stdin and answers one line.

The forked kernel:
- is a session leader (``setsid``), as jupyter_client makes every kernel, so that an interrupt
  or kill of its process group reaches it and nothing else;
- gets the environment and working folder the kernel manager asked for (``XMO_SNAPSHOT``
  included), the folder first on ``sys.path``, and the server as the parent ipykernel polls, so
  that it stops when the server does; the server stops at the end of its input, i.e. when the
  runner ends, and with the runner's process group when a run is killed;
- is reaped by the system (``SIGCHLD`` ignored in the server): the manager polls it by pid.

The server runs on the kernel spec's interpreter with the spec's options (``-Xfrozen_modules=off``
of ``ipykernel install``); only a command that runs ``-m ipykernel_launcher`` (or ``ipykernel``) on
that same interpreter and options is forked, any other is launched by jupyter_client as usual.
"""
from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import threading

from jupyter_client.manager import AsyncKernelManager

MODULES = ("-m", "ipykernel_launcher"), ("-m", "ipykernel")


def split(cmd: list[str]) -> tuple[list[str], list[str]] | None:
    """A kernel command that runs ipykernel as ``(interpreter and its options, ipykernel's
    arguments)``, e.g. ``([python, "-Xfrozen_modules=off"], ["-f", "{connection_file}"])``; else None."""
    for i in range(1, len(cmd) - 1):
        if tuple(cmd[i:i + 2]) in MODULES:
            return cmd[:i], cmd[i + 2:]
    return None


class ForkServer:
    """The server process and its pipe (see the module docstring); thread-safe."""

    def __init__(self, warm: str, kernel_argv: list[str]):
        """A server for kernels of the spec whose command is ``kernel_argv``: it runs on that
        interpreter with the same options (ValueError if the spec does not run ipykernel)."""
        parts = split(kernel_argv)
        if parts is None:
            raise ValueError(f"not an ipykernel command: {kernel_argv}")
        self.interpreter, self.warm = parts[0], warm
        self._lock = threading.Lock()
        self.proc = subprocess.Popen([*self.interpreter, "-m", "xmo_analysis.pipeline.forkserver"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8")
        self.proc.stdin.write(json.dumps({"warm": warm}) + "\n")
        self.proc.stdin.flush()
        self._ready = False

    def fork(self, args: list[str], env: dict, cwd: str) -> int:
        """A kernel forked with ipykernel ``args``, ``env`` and ``cwd``: its pid."""
        with self._lock:
            if not self._ready:  # the server's first line says its imports are done (or why not)
                self._ready = self._reply()["ready"]
            self.proc.stdin.write(json.dumps({"args": args, "env": env, "cwd": cwd}) + "\n")
            self.proc.stdin.flush()
            return self._reply()["pid"]

    def _reply(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the kernel fork server stopped (exit {self.proc.poll()})")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(f"the kernel fork server failed: {reply['error']}")
        return reply

    def close(self) -> None:
        """End the server (its kernels are shut down by their managers; a left-over one stops
        when ipykernel sees its parent gone). Terminated, not waited for: a run that fails
        validation closes a server still importing, which read its end of input only 2-3 s later."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Forked:
    """What jupyter_client's provisioner expects of ``Popen`` (poll, wait, signals) for a kernel
    that is not our child: it is polled by pid (``kill(pid, 0)``) and reaped by the system (the
    server ignores ``SIGCHLD``)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = 0  # it ended and the system reaped it (its status is not known here)
            except PermissionError:  # the pid was reused by another user's process
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        import time
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def forked_manager(base: type, server: ForkServer) -> type:
    """A subclass of the kernel manager class ``base`` whose kernels ``server`` forks."""

    class ForkedKernelManager(base):
        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
            parts = split(kernel_cmd)
            if parts is None or parts[0] != server.interpreter:  # another kernel: launched as usual
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            args = parts[1]
            env = dict(kw.get("env") or os.environ)
            cwd = str(kw.get("cwd") or os.getcwd())
            pid = server.fork(args, env, cwd)
            prov = self.provisioner
            prov.process, prov.pid, prov.pgid, prov.cwd = Forked(pid), pid, pid, cwd
            self._reconcile_connection_info(prov.connection_info)

    assert issubclass(base, AsyncKernelManager)
    return ForkedKernelManager


def _kernel(request: dict) -> None:
    """In the forked child: become the kernel that ``request`` describes (never returns)."""
    code = 1
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)  # the server's requests are not the kernel's input
        os.dup2(2, 1)  # nor its output the server's replies: both go to stderr, as a launched kernel's log
        os.chdir(request["cwd"])
        sys.path[0] = os.getcwd()  # as `python -m ipykernel_launcher` started there would have it
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ["JPY_PARENT_PID"] = str(os.getppid())
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the kernel's own subprocesses are waited for
        from ipykernel.kernelapp import IPKernelApp
        # ipykernel read JPY_PARENT_PID when the server imported it: the parent is given here, so
        # that the kernel polls the server and ends with it (and prints no `ipython kernel` banner)
        app = IPKernelApp.instance(parent_handle=os.getppid())
        app.initialize(request["args"])
        app.start()
        code = 0
    except BaseException:  # noqa: BLE001 - a kernel that cannot start says why on stderr, and ends
        import traceback
        traceback.print_exc()
    finally:
        os._exit(code)


def _serve() -> None:
    """The server: import the warm code, then fork a kernel for each request line."""
    replies = sys.stdout
    try:
        warm = json.loads(sys.stdin.readline())["warm"]
        # what ipykernel sets before a kernel's first import of matplotlib
        os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        import ipykernel.kernelapp  # noqa: F401 - imported once, here, for every kernel
        exec(compile(warm or "pass", "<warm>", "exec"), {"__name__": "__warm__"})
    except Exception as exc:  # the runner raises it when it asks for its first kernel
        replies.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
        replies.flush()
        return
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forked kernels are reaped without us
    # The imports' objects go to the collector's permanent generation: a kernel's collections
    # neither walk them again nor write to (and so copy) the pages it shares with the server.
    gc.collect()
    gc.freeze()
    replies.write(json.dumps({"ready": True}) + "\n")
    replies.flush()
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _kernel(request)
        replies.write(json.dumps({"pid": pid}) + "\n")
        replies.flush()


if __name__ == "__main__":
    _serve()
