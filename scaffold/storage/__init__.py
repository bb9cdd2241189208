"""Every write of every command, in one place: the storage layer.

- `folder`: the project folder, locked, reached without following a link; `step`
  marks each file operation (the tests interrupt at every one).
- `journal`: a change to an existing project (update, --force, recovery), all of it
  or none of it, journaled in the project.
- `new_project`: a new project, staged beside its target and renamed into place.
"""

from scaffold.storage.folder import ProjectFolder, project_folder, step
from scaffold.storage.journal import (
    JOURNAL_FOLDER,
    Change,
    commit_changes,
    pending,
    recover,
    refuse_if_pending,
)
from scaffold.storage.new_project import STAGING_PREFIX, create_folder, sweep_stale_staging

__all__ = [
    "JOURNAL_FOLDER",
    "STAGING_PREFIX",
    "Change",
    "ProjectFolder",
    "commit_changes",
    "create_folder",
    "pending",
    "project_folder",
    "recover",
    "refuse_if_pending",
    "step",
    "sweep_stale_staging",
]
