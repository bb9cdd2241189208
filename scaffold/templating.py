"""Rendering cookiecutter template layers with jinja2, compiled once per machine.

The templates are cookiecutter templates, rendered as cookiecutter's own
`generate_files` renders them (tests/test_templating.py proves the output
byte-identical): the one `{{cookiecutter.*}}` folder of each layer, path names
and contents rendered with the answers as `cookiecutter`, strict undefined
names, trailing newlines kept, includes resolved from the layer's project
folder and its `templates/` folder, later layers overwriting earlier ones.

Doing it here rather than through cookiecutter saves a run its imports (rich,
arrow and importlib.metadata come with it) and, with a bytecode cache keyed
by each template's source, the compiling of every template on every run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jinja2
from jinja2.bccache import Bucket

from scaffold import __version__


class QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """A bytecode cache that is only an optimisation: any trouble with it is ignored."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError):
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def cache_folder() -> Path | None:
    """Where compiled templates are kept: the user's cache folder, per version."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(root) / "vpc-lambda-new" / f"templates-{__version__}"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    return folder


def layer_template_folder(layer: Path) -> Path:
    """The layer's one folder named after a cookiecutter variable, as cookiecutter finds it."""
    for entry in sorted(layer.iterdir()):
        if (
            entry.is_dir()
            and "cookiecutter" in entry.name
            and "{{" in entry.name
            and "}}" in entry.name
        ):
            return entry
    raise FileNotFoundError(f"template layer {layer} has no {{{{cookiecutter.*}}}} folder")


def environment(
    layer_root: Path, env_vars: Mapping[str, Any], extensions: list[str]
) -> jinja2.Environment:
    folder = cache_folder()
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(layer_root), str(layer_root.parent / "templates")]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        extensions=extensions,
        bytecode_cache=QuietBytecodeCache(str(folder)) if folder else None,
        auto_reload=False,
        **env_vars,
    )


def template_files(root: Path) -> Iterator[Path]:
    """The files of a layer, bytecode and caches left out."""
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if name != "__pycache__")
        for name in sorted(files):
            if not name.endswith((".pyc", ".pyo")):
                yield Path(folder, name)


def render_layers(layers: list[Path], context: dict[str, Any], output_dir: Path) -> Path:
    """Render each layer into output_dir, in order; returns the project folder."""
    settings = context["cookiecutter"]
    env_vars = dict(settings.get("_jinja2_env_vars", {}))
    extensions = list(settings.get("_extensions", []))
    names: dict[str, str] = {}  # path names rendered, shared by the layers
    project: Path | None = None
    for layer in layers:
        root = layer_template_folder(layer)
        env = environment(root, env_vars, extensions)
        target = output_dir / render_name(env, root.name, context, names)
        target.mkdir(parents=True, exist_ok=True)
        project = project or target
        for source in template_files(root):
            render_file(env, root, source, target, context, names)
    assert project is not None, "no template layer"
    return project


def render_name(
    env: jinja2.Environment, name: str, context: dict[str, Any], rendered: dict[str, str]
) -> str:
    """A path name rendered once per run; one without template syntax is itself."""
    marks = (env.variable_start_string, env.block_start_string, env.comment_start_string)
    if not any(mark in name for mark in marks):
        return name
    if name not in rendered:
        rendered[name] = env.from_string(name).render(**context)
    return rendered[name]


def render_file(
    env: jinja2.Environment,
    root: Path,
    source: Path,
    target: Path,
    context: dict[str, Any],
    names: dict[str, str],
) -> None:
    """One template file: its path and content rendered, its mode kept."""
    relative = source.relative_to(root).as_posix()
    destination = target / render_name(env, relative, context, names)
    destination.parent.mkdir(parents=True, exist_ok=True)
    text = env.get_template(relative).render(**context)
    with open(destination, "w", encoding="utf-8", newline="\n") as stream:
        stream.write(text)
    shutil.copymode(source, destination)
