"""Container images built on this machine, without Docker and without a registry.

The project's images are described by ordinary Dockerfiles (so that an
operations team builds exactly the same with `docker build`); this module
builds them here by interpreting the small part of the Dockerfile language
they use:

- `FROM debian:bookworm-slim`: a minimal Debian root file system made by
  mmdebstrap (cached once), or `FROM scratch`;
- `RUN`: a shell command in a chroot of the image, in a private mount
  namespace (so nothing it mounts outlives it), with the network the host has
  (Debian's and PyPI's package registries);
- `COPY src dest` from the build context (the repository), `ENV`, `USER`,
  `WORKDIR`, `EXPOSE`, `ENTRYPOINT`, `CMD`, `LABEL`.

Before the build, the wheels an image installs are fetched on the host into
the build context (`build/<image>-wheels`), for Debian bookworm's Python.
The result is a one-layer OCI archive that `ctr images import` takes, cached
under ~/.cache/jupyter-nbctl/images by the hash of everything that went in:
a rebuild happens only when the recipe or what it copies changes.

    python -m devcluster.images [name ...]   # build (or find) and print the archives
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("NBCTL_CACHE", Path.home() / ".cache" / "jupyter-nbctl"))
# Bookworm's python3 is 3.11.2: a wheel picked for the host's newer 3.11.x may need more.
IMAGE_PYTHON = "3.11.2"
REGISTRY = "registry.local/jupyter-nbctl"
# Debian's bookworm-slim image leaves out documentation and translations; so do we.
_SLIM = [
    "--dpkgopt=path-exclude=/usr/share/doc/*",
    "--dpkgopt=path-include=/usr/share/doc/*/copyright",
    "--dpkgopt=path-exclude=/usr/share/man/*",
    "--dpkgopt=path-exclude=/usr/share/locale/*",
    "--dpkgopt=path-exclude=/usr/share/info/*",
]
_BASES = {"debian:bookworm-slim": ("bookworm", _SLIM)}
# Every layer is packed with one mtime (0), so a `.pyc` that records its source's
# mtime is stale in the image: Python then compiles every module again at each
# start, and cannot keep the result (the user does not own site-packages).
# SOURCE_DATE_EPOCH, the reproducible-builds convention, makes Python's
# compileall (pip's and Debian's py3compile) write hash-checked `.pyc` instead,
# which stay valid whatever the mtimes.
_BUILD_ENV = {"SOURCE_DATE_EPOCH": "0"}


def _log(message: str) -> None:
    print(f"[images {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Wheels:
    """Wheels fetched on the host into the build context before the build."""

    requirements: str  # a requirements file, relative to the repository
    project: bool = False  # also this project's own wheel
    panel: bool = False  # the project's wheel carries the built panel (the notebook image's JupyterLab)


@dataclass(frozen=True)
class ImageSpec:
    name: str
    dockerfile: str  # relative to the repository
    wheels: Wheels | None = None
    prepare: Callable[[Path], None] | None = None  # makes files in build/<name>/ before the build

    @property
    def repository(self) -> str:
        return f"{REGISTRY}/{self.name}"


def _compile_pause(out: Path) -> None:
    # The pause container's C source ships in the k8s.io/kubernetes module;
    # devcluster/build-node.sh copies it beside the node's binaries.
    source = CACHE / "node" / "bin" / "pause.c"
    if not source.exists():
        raise FileNotFoundError(f"{source} is missing: run devcluster/build-node.sh kubelet first")
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["gcc", "-Os", "-static", "-o", str(out / "pause"), str(source)], check=True, capture_output=True
    )
    subprocess.run(["strip", str(out / "pause")], check=True)


IMAGES = {
    spec.name: spec
    for spec in (
        ImageSpec("pause", "devcluster/images/pause/Dockerfile", prepare=_compile_pause),
        ImageSpec(
            "notebook",
            "devcluster/images/notebook/Dockerfile",
            wheels=Wheels("devcluster/images/notebook/requirements.txt", project=True, panel=True),
        ),
        ImageSpec(
            "controller",
            "controller/Dockerfile",
            wheels=Wheels("controller/requirements.txt", project=True),
        ),
    )
}


@dataclass(frozen=True)
class Built:
    """An image archive ready for `ctr images import`."""

    name: str
    ref: str  # fully qualified, so the CRI never tries to pull it
    archive: Path
    seconds: float = 0.0
    cached: bool = True


# ---------------------------------------------------------------- Dockerfile


@dataclass
class Instruction:
    op: str
    args: str


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions in order; continuation lines joined, comments dropped."""
    instructions: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        op, _, args = line.partition(" ")
        instructions.append(Instruction(op.upper(), args.strip()))
    return instructions


@dataclass
class ImageConfig:
    env: dict[str, str] = field(
        default_factory=lambda: {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
    )
    user: str = ""
    workdir: str = "/"
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    ports: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)

    def oci(self) -> dict[str, object]:
        config: dict[str, object] = {
            "Env": [f"{k}={v}" for k, v in self.env.items()],
            "WorkingDir": self.workdir,
            "Entrypoint": self.entrypoint,
            "Cmd": self.cmd,
            "ExposedPorts": {p if "/" in p else f"{p}/tcp": {} for p in self.ports},
            "Labels": self.labels,
        }
        if self.user:
            config["User"] = self.user
        return config


def _expand(value: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), ""), value)


def _pairs(args: str, env: dict[str, str]) -> dict[str, str]:
    return {key: _expand(value, env) for key, _, value in (word.partition("=") for word in shlex.split(args))}


def _exec_form(args: str) -> list[str]:
    if args.startswith("["):
        return [str(word) for word in json.loads(args)]
    return ["/bin/sh", "-c", args]


# -------------------------------------------------------------------- build


def _run(args: list[str], **kwargs: object) -> None:
    subprocess.run(args, check=True, **kwargs)  # type: ignore[call-overload]


def _once(out: Path, make: Callable[[Path], None]) -> Path:
    """`out`, made by `make` into an empty folder unless an earlier run finished it."""
    if not (out / ".done").exists():
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        make(out)
        (out / ".done").touch()
    return out


def _base_rootfs(base: str) -> Path:
    """A Debian root file system for `FROM base`, made once by mmdebstrap."""
    suite, options = _BASES[base]
    key = hashlib.sha256(json.dumps([suite, options, _BUILD_ENV]).encode()).hexdigest()[:12]
    out = CACHE / "images" / "base" / f"{base.replace(':', '-')}-{key}"

    def make(out: Path) -> None:
        if shutil.which("mmdebstrap") is None:
            _log("installing mmdebstrap (Debian's tool for minimal root file systems)")
            _run(["apt-get", "update", "-qq"])
            _run(
                ["apt-get", "install", "-y", "-qq", "mmdebstrap"],
                env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            )
        _log(f"making the {base} root file system with mmdebstrap (about a minute, once)")
        # A private mount namespace: whatever mmdebstrap mounts is gone when it ends.
        _run(
            [
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "mmdebstrap",
                "--quiet",
                "--variant=minbase",
                "--mode=root",
                *options,
                suite,
                str(out / "rootfs"),
            ],
            env={**os.environ, **_BUILD_ENV},
        )

    rootfs = _once(out, make) / "rootfs"
    for older in out.parent.glob(f"{base.replace(':', '-')}-*"):
        if older != out:
            shutil.rmtree(older, ignore_errors=True)
    return rootfs


def _fetch_wheels(spec: ImageSpec, dest: Path) -> None:
    """The wheels the image installs, for the image's Python, into the build context."""
    assert spec.wheels is not None
    requirements = REPO / spec.wheels.requirements
    key = hashlib.sha256(requirements.read_bytes() + IMAGE_PYTHON.encode()).hexdigest()[:12]
    cached = CACHE / "images" / "wheels" / f"{spec.name}-{key}"

    def download(out: Path) -> None:
        _log(f"downloading the wheels of {spec.wheels.requirements} for Python {IMAGE_PYTHON}")  # type: ignore[union-attr]
        _run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--disable-pip-version-check",
                "--only-binary=:all:",
                f"--python-version={IMAGE_PYTHON}",
                "--implementation=cp",
                "--platform=manylinux2014_x86_64",
                "--platform=manylinux_2_28_x86_64",
                "--platform=manylinux_2_17_x86_64",
                "--platform=linux_x86_64",
                "-d",
                str(out),
                "-r",
                str(requirements),
            ]
        )

    _once(cached, download)
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for wheel in cached.glob("*.whl"):
        shutil.copy2(wheel, dest / wheel.name)
    if spec.wheels.project:
        for wheel in _project_wheel(spec.wheels.panel).glob("*.whl"):
            shutil.copy2(wheel, dest / wheel.name)


# What the project's wheel is made of, for the controller's image: its code
# and build settings (the README, though in the wheel's metadata, is not).
_PROJECT_FILES = (
    "pyproject.toml",
    "package.json",
    "install.json",
    "jupyter-config",
    "jupyter_nbctl",
    "controller",
)


def _project_wheel(panel: bool = False) -> Path:
    """This project's own wheel, built once per content of its code; with the built panel or without.

    The npm build is never run here: the development install (`make`'s .venv) has made the panel.
    """
    built = REPO / "jupyter_nbctl" / "labextension"
    if panel and not (built / "static" / "style.js").exists():
        raise FileNotFoundError(f"{built} has no built panel: run `npm run build` (make does) first")
    digest = hashlib.sha256()
    for name in _PROJECT_FILES:
        for path in _walk(REPO / name):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            if path.is_relative_to(built) and not panel:
                continue
            if "labextension" in path.relative_to(REPO).parts[:1]:
                continue  # the panel's sources: what counts is what was built of them
            digest.update(str(path.relative_to(REPO)).encode() + path.read_bytes())
    kind = "project-panel" if panel else "project"
    out = CACHE / "images" / "wheels" / f"{kind}-{digest.hexdigest()[:16]}"

    def build(out: Path) -> None:
        _run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--no-deps",
                "--disable-pip-version-check",
                "-w",
                str(out),
                str(REPO),
            ],
            env={**os.environ, "HATCH_BUILD_NO_HOOKS": "true"},
            stdout=subprocess.DEVNULL,
        )
        for older in out.parent.glob(f"{kind}-*"):
            if older != out and older.name.count("-") == out.name.count("-"):
                shutil.rmtree(older, ignore_errors=True)

    return _once(out, build)


def _context_digest(instructions: list[Instruction], dockerfile: Path) -> str:
    """The hash of the recipe, of every file it copies and of this builder."""
    digest = hashlib.sha256(dockerfile.read_bytes())
    # A change to how images are built here changes what they hold.
    digest.update(Path(__file__).read_bytes())
    for ins in instructions:
        if ins.op != "COPY":
            continue
        for src in shlex.split(ins.args)[:-1]:
            for path in _walk(REPO / src):
                digest.update(str(path.relative_to(REPO)).encode())
                if path.is_file() and not path.is_symlink():
                    with path.open("rb") as f:
                        for block in iter(lambda f=f: f.read(1 << 20), b""):
                            digest.update(block)
                digest.update(oct(path.lstat().st_mode).encode())
    return digest.hexdigest()


def _walk(path: Path) -> Iterator[Path]:
    if not path.exists():
        raise FileNotFoundError(f"COPY source {path} does not exist")
    yield path
    if path.is_dir() and not path.is_symlink():
        yield from sorted(path.rglob("*"))


def build(name: str) -> Built:
    """Build one of IMAGES, or find it in the cache."""
    spec = IMAGES[name]
    began = time.monotonic()
    context = REPO / "build"
    if spec.prepare is not None:
        spec.prepare(context / name)
    if spec.wheels is not None:
        _fetch_wheels(spec, context / f"{name}-wheels")
    dockerfile = REPO / spec.dockerfile
    instructions = parse_dockerfile(dockerfile.read_text())
    key = _context_digest(instructions, dockerfile)[:16]
    ref = f"{spec.repository}:{key[:12]}"
    archive = CACHE / "images" / f"{name}-{key}.oci.tar"
    if archive.exists():
        return Built(name, ref, archive)
    _log(f"building {ref} from {spec.dockerfile}")
    archive.parent.mkdir(parents=True, exist_ok=True)  # a fresh machine's cache starts empty
    with tempfile.TemporaryDirectory(prefix=f"nbctl-image-{name}-", dir=CACHE / "images") as tmp:
        root = Path(tmp) / "rootfs"
        config = _apply(instructions, root)
        _pack(root, config, ref, archive)
    for older in archive.parent.glob(f"{name}-*.oci.tar"):
        if older != archive:
            older.unlink()
    seconds = time.monotonic() - began
    _log(f"built {ref} in {seconds:.0f}s: {archive} ({archive.stat().st_size >> 20} MiB)")
    return Built(name, ref, archive, seconds, cached=False)


def _apply(instructions: list[Instruction], root: Path) -> ImageConfig:
    config = ImageConfig()
    for ins in instructions:
        if ins.op == "FROM":
            base = ins.args.split()[0]
            if base == "scratch":
                root.mkdir(parents=True)
            elif base in _BASES:
                _log(f"  FROM {base}")
                _run(["cp", "-a", str(_base_rootfs(base)), str(root)])
            else:
                raise ValueError(f"FROM {base}: only {sorted(_BASES)} or scratch can be built here")
        elif ins.op == "RUN":
            _log(f"  RUN {ins.args[:100]}")
            _chroot_run(root, ins.args, config)
        elif ins.op == "COPY":
            *sources, dest = shlex.split(ins.args)
            for src in sources:
                target = root / dest.lstrip("/")
                path = REPO / src
                if path.is_dir():
                    shutil.copytree(path, target, dirs_exist_ok=True, symlinks=True)
                else:
                    if dest.endswith("/"):
                        target = target / path.name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, target)
        elif ins.op == "ENV":
            config.env.update(_pairs(ins.args, config.env))
        elif ins.op == "USER":
            config.user = ins.args
        elif ins.op == "WORKDIR":
            config.workdir = ins.args
            (root / ins.args.lstrip("/")).mkdir(parents=True, exist_ok=True)
        elif ins.op == "EXPOSE":
            config.ports.extend(ins.args.split())
        elif ins.op == "ENTRYPOINT":
            config.entrypoint = _exec_form(ins.args)
        elif ins.op == "CMD":
            config.cmd = _exec_form(ins.args)
        elif ins.op == "LABEL":
            config.labels.update(_pairs(ins.args, config.env))
        else:
            raise ValueError(f"{ins.op} is not an instruction this builder knows")
    return config


def _chroot_run(root: Path, command: str, config: ImageConfig) -> None:
    # A private mount namespace for the chroot's /proc, /dev and resolv.conf:
    # they vanish with it, whatever happens to the build.
    user = config.user or "0:0"
    script = (
        "set -e; "
        f"mount -t proc proc {shlex.quote(str(root / 'proc'))}; "
        f"mount --rbind /dev {shlex.quote(str(root / 'dev'))}; "
        f"touch {shlex.quote(str(root / 'etc/resolv.conf'))}; "
        f"mount --bind /etc/resolv.conf {shlex.quote(str(root / 'etc/resolv.conf'))}; "
        f"exec chroot --userspec={shlex.quote(user)} {shlex.quote(str(root))} "
        f"/bin/sh -c {shlex.quote(command)}"
    )
    env = {**config.env, **_BUILD_ENV, "HOME": "/root", "DEBIAN_FRONTEND": "noninteractive"}
    log = root.parent / "build.log"
    with log.open("ab") as out:
        done = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script],
            env=env,
            cwd="/",
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    if done.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"RUN {command[:200]} failed ({done.returncode}):\n{tail}")
    resolv = root / "etc" / "resolv.conf"
    if resolv.exists() and resolv.stat().st_size == 0:
        resolv.unlink()


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _drop_timestamped_bytecode(root: Path) -> None:
    """Remove each `.pyc` that records its source's mtime: the layer's one mtime makes it stale.

    The compiled modules that matter are hash-checked (_BUILD_ENV); those left
    are caches Python wrote while a RUN step imported something (Debian's own
    py3compile, say), which it would only compile again in the image.
    """
    dropped = 0
    for pyc in root.glob("**/__pycache__/*.pyc"):
        with pyc.open("rb") as f:
            header = f.read(8)
        if len(header) == 8 and int.from_bytes(header[4:8], "little") & 0b1 == 0:
            pyc.unlink()
            dropped += 1
    if dropped:
        _log(f"  left out {dropped} compiled modules that record an mtime")


def _pack(root: Path, config: ImageConfig, ref: str, archive: Path) -> None:
    """One uncompressed layer, its config and manifest, as an OCI image layout in a tar."""
    work = root.parent
    layer = work / "layer.tar"
    _drop_timestamped_bytecode(root)
    # Numeric owners, sorted names and one mtime: the same tree gives the same layer.
    _run(
        [
            "tar",
            "--numeric-owner",
            "--sort=name",
            "--mtime=@0",
            "--xattrs",
            "--exclude=./dev/*",
            "--exclude=./proc/*",
            "--exclude=./sys/*",
            "--exclude=./var/cache/apt/*",
            "--exclude=./var/lib/apt/lists/*",
            "-C",
            str(root),
            "-cf",
            str(layer),
            ".",
        ]
    )
    layer_digest = _sha256_file(layer)
    image_config = {
        "architecture": "amd64",
        "os": "linux",
        "config": config.oci(),
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{layer_digest}"]},
        "history": [{"created_by": "devcluster/images.py"}],
    }
    config_bytes = json.dumps(image_config, sort_keys=True).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": f"sha256:{hashlib.sha256(config_bytes).hexdigest()}",
            "size": len(config_bytes),
        },
        "layers": [
            {
                "mediaType": "application/vnd.oci.image.layer.v1.tar",
                "digest": f"sha256:{layer_digest}",
                "size": layer.stat().st_size,
            }
        ],
    }
    manifest_bytes = json.dumps(manifest, sort_keys=True).encode()
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": f"sha256:{hashlib.sha256(manifest_bytes).hexdigest()}",
                "size": len(manifest_bytes),
                "platform": {"architecture": "amd64", "os": "linux"},
                "annotations": {
                    "io.containerd.image.name": ref,
                    "org.opencontainers.image.ref.name": ref,
                },
            }
        ],
    }
    partial = archive.with_suffix(".partial")
    with tarfile.open(partial, "w") as out:

        def add_bytes(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))

        add_bytes("oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode())
        add_bytes("index.json", json.dumps(index).encode())
        add_bytes(f"blobs/sha256/{manifest['config']['digest'][7:]}", config_bytes)  # type: ignore[index]
        add_bytes(f"blobs/sha256/{hashlib.sha256(manifest_bytes).hexdigest()}", manifest_bytes)
        out.add(str(layer), arcname=f"blobs/sha256/{layer_digest}")
    partial.rename(archive)


def build_all(names: list[str] | None = None) -> dict[str, Built]:
    return {name: build(name) for name in names or list(IMAGES)}


def main(argv: list[str] | None = None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or list(IMAGES)
    for built in build_all(names).values():
        print(f"{built.ref} {built.archive}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
