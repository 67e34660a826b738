"""Static files taken one by one from node_modules (``settings.VENDOR_STATIC_FILES``): a
package's dist folder may also hold what no page loads (tus-js-client ships a 1.5 MB
browser test bundle beside its 87 kB client), and a directory in STATICFILES_DIRS would
collect all of it."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Warning
from django.core.files.storage import FileSystemStorage


class VendorFileFinder(BaseFinder):
    """Finds exactly the files named in ``VENDOR_STATIC_FILES`` ({static path: source file})."""

    def __init__(self, *args, **kwargs):
        self.files = {name: Path(source) for name, source in getattr(settings, "VENDOR_STATIC_FILES", {}).items()}
        self.storages: dict[tuple[str, Path], FileSystemStorage] = {}

    def check(self, **kwargs):
        # A warning, as Django's for a missing STATICFILES_DIRS folder: a process that only
        # serves what collectstatic gathered earlier needs no node_modules.
        return [
            Warning(f"VENDOR_STATIC_FILES: {source} (for {name}) does not exist; run npm ci.", id="smm.W050")
            for name, source in self.files.items()
            if not source.is_file()
        ]

    def find(self, path, find_all=False, **kwargs):
        # Django's own finders answer [] for "not here" (None would be counted as a match).
        source = self.files.get(path)
        if source is None or not source.is_file():
            return []
        return [str(source)] if find_all or kwargs.get("all") else str(source)

    def _storage(self, prefix: str, directory: Path) -> FileSystemStorage:
        key = (prefix, directory)
        if key not in self.storages:
            storage = FileSystemStorage(location=directory)
            storage.prefix = prefix  # collectstatic and WhiteNoise put the file under it
            self.storages[key] = storage
        return self.storages[key]

    def list(self, ignore_patterns):
        for name, source in self.files.items():
            if source.is_file():
                prefix, _, filename = name.rpartition("/")
                yield filename, self._storage(prefix, source.parent)
