"""Vendor files from node_modules: the pages' tus-js-client bundle is collected, its 1.5 MB
browser test bundle (in the same dist folder) is not."""

from pathlib import Path

from django.contrib.staticfiles import finders
from django.core.management import call_command


def listed() -> dict[str, str]:
    found = {}
    for finder in finders.get_finders():
        for path, storage in finder.list(None):
            prefix = (getattr(storage, "prefix", None) or "").strip("/")
            found.setdefault(f"{prefix}/{path}" if prefix else path, storage.path(path))
    return found


def test_the_static_finders_list_the_tus_bundle_the_pages_use_and_not_its_test_bundle():
    files = listed()
    assert files["vendor/tus/tus.min.js"].endswith("tus-js-client/dist/tus.min.js")
    assert "vendor/tus/tus.min.js.map" in files  # the bundle names it: the manifest storage needs it
    assert not [name for name in files if "browser-test-bundle" in name]
    assert finders.find("vendor/tus/browser-test-bundle.js") is None
    assert Path(finders.find("vendor/tus/tus.min.js")).stat().st_size < 200_000


def test_the_tus_bundle_collects_with_the_production_storage(settings, tmp_path):
    # given production's hashed, compressed storage and only the vendor files' finder (fast)
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.STATICFILES_FINDERS = ["smm.vendor_static.VendorFileFinder"]
    finders.get_finder.cache_clear()
    try:
        call_command("collectstatic", interactive=False, verbosity=0)
    finally:
        finders.get_finder.cache_clear()
    collected = sorted(p.name for p in (tmp_path / "static" / "vendor" / "tus").iterdir())
    assert "tus.min.js" in collected and "browser-test-bundle.js" not in collected
    assert any(name.startswith("tus.min.") and name.endswith(".js") and name != "tus.min.js" for name in collected)


def test_a_missing_vendor_file_is_a_warning_that_says_what_to_run(settings, tmp_path):
    from smm.vendor_static import VendorFileFinder

    settings.VENDOR_STATIC_FILES = {"vendor/tus/tus.min.js": tmp_path / "absent.js"}
    [warning] = VendorFileFinder().check()
    assert warning.id == "smm.W050" and "npm ci" in warning.msg
    assert VendorFileFinder().find("vendor/tus/tus.min.js") == []
