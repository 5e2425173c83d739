"""The inbox is a boundary: the intake flow takes, and files away, only regular files inside it (never a symlink,
a fifo or a device, never a path elsewhere); its `archive/` and `rejected/` folders are inside it too. A file handed
over by a person (`vigie submit`) may come from anywhere, but must be a regular file; it is read where it is."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

ARCHIVE, REJECTED_DIR, PROCESSING = "archive", "rejected", "processing"


class InboxRefusal(ValueError):
    """A path the intake flow will not take; the message says why, in French, and nothing was moved."""


def inbox_file(path: Path, inbox: Path) -> Path:
    """`path` as a regular file inside `inbox` (its folder resolved, the file itself never followed); else
    InboxRefusal."""
    root = Path(os.path.realpath(inbox))
    where = Path(os.path.realpath(path.parent)) / path.name
    if not where.is_relative_to(root) or where == root:
        raise InboxRefusal(
            f"{path} : hors de la boîte de dépôt {root} ; Vigie ne prend et ne range que les fichiers déposés dans "
            "la boîte (pour un fichier d'ailleurs : vigie submit)"
        )
    _refuse(refusal(where, follow=False))
    return where


def submitted_file(path: Path) -> Path:
    """`path` when it reads as a regular file or a folder (a link a person names on the command line is followed);
    else InboxRefusal."""
    _refuse(refusal(path, follow=True))
    return path


def refusal(path: Path, follow: bool) -> str | None:
    """Why `path` cannot be taken, in French, or None: it must be a regular file (with `follow`, which reads
    through a link, a folder too); never a symlink (without `follow`), a fifo, a device or a socket."""
    try:
        mode = (os.stat if follow else os.lstat)(path).st_mode
    except FileNotFoundError:
        return f"{path} : fichier introuvable"
    if stat.S_ISREG(mode) or (follow and stat.S_ISDIR(mode)):
        return None
    if stat.S_ISLNK(mode):
        return f"{path} : lien symbolique refusé ; déposez le fichier lui-même, pas un raccourci"
    if stat.S_ISDIR(mode):
        return f"{path} : un dossier ; déposez ses fichiers un à un"
    return f"{path} : ni un fichier ordinaire ni un dossier (tube, périphérique ou socket) ; refusé"


def _refuse(reason: str | None) -> None:
    if reason is not None:
        raise InboxRefusal(reason)


def move_inside(path: Path, inbox: Path, folder: str, reason: str | None = None) -> Path:
    """Move `path` (the entry itself, never what a link points to) into `inbox/folder`, under a free name, with a
    `.raison.txt` beside it when a reason is given; the new path."""
    target = _free_name(inbox / folder / path.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink() or not path.is_file():
        os.rename(path, target)  # a link or a special file is renamed, never opened
    else:
        shutil.move(str(path), target)
    if reason is not None:
        target.with_name(target.name + ".raison.txt").write_text(reason, encoding="utf-8")
    processing = inbox / PROCESSING
    if path.parent.parent == processing and not any(path.parent.iterdir()):
        path.parent.rmdir()
    return target


def _free_name(target: Path) -> Path:
    stem, n = target.name, 1
    while target.exists() or target.is_symlink():
        n += 1
        target = target.with_name(f"{n}-{stem}")
    return target
