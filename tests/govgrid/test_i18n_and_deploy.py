import gettext
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"


def msgids(po_text):
    """{msgid: msgstr} of a .po file (plural forms keyed by the singular)."""
    entries = {}
    for block in po_text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        current, key, text = None, None, {"msgid": [], "msgstr": []}
        for line in lines:
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[0\])?) "(.*)"$', line)
            if match:
                current = "msgstr" if match[1].startswith("msgstr") else match[1]
                text.setdefault(current, []).append(match[2])
            elif line.startswith('"') and current:
                text[current].append(line[1:-1])
        key = "".join(text["msgid"])
        if key:
            entries[key] = "".join(text["msgstr"])
    return entries


def test_every_message_has_a_chinese_translation():
    text = (CATALOGUE / "django.po").read_text()
    assert [k for k, v in msgids(text).items() if not v] == []
    assert "#, fuzzy" not in text


def test_the_compiled_catalogue_in_the_repository_matches_its_source(tmp_path):
    subprocess.run(["msgfmt", "--check", "-o", tmp_path / "fresh.mo", CATALOGUE / "django.po"], check=True)
    with open(tmp_path / "fresh.mo", "rb") as fresh, open(CATALOGUE / "django.mo", "rb") as committed:
        assert gettext.GNUTranslations(committed)._catalog == gettext.GNUTranslations(fresh)._catalog


def test_the_catalogue_has_every_message_the_code_uses(tmp_path):
    """makemessages over the current code finds no message the committed catalogue lacks.

    It runs in a scratch tree (links to the code, a copy of the catalogue) because makemessages
    writes into the `locale` folder beside the code it scans.
    """
    tree = tmp_path / "tree"
    tree.mkdir()
    # Every package of the project's own code: a new app is scanned without being named here.
    packages = [p.name for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name not in ("tests", "bench")]
    assert {"govgrid", "grids", "volunteers", "ratings"} <= set(packages)
    for package in packages:
        (tree / package).symlink_to(ROOT / package)
    subprocess.run(["cp", "-r", ROOT / "locale", tree / "locale"], check=True)
    code = (
        "import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'govgrid.settings'); django.setup();"
        f"from django.conf import settings; settings.LOCALE_PATHS = [{str(tree / 'locale')!r}];"
        "from django.core.management import call_command;"
        "call_command('makemessages', locale=['zh_Hans'], symlinks=True, verbosity=0)"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    before = (CATALOGUE / "django.po").read_text()
    subprocess.run([sys.executable, "-c", code], cwd=tree, env=env, check=True)
    assert (CATALOGUE / "django.po").read_text() == before  # the repository's catalogue is untouched
    regenerated = msgids((tree / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text())
    committed = msgids(before)
    assert sorted(set(regenerated) - set(committed)) == []


def test_pages_speak_chinese_by_default_and_english_on_request(cast):
    client = cast.client("leader")
    assert "网格化治理" in client.get("/").content.decode()
    assert "Grid-based governance" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_check_deploy_is_clean_with_production_settings():
    env = dict(
        os.environ,
        GOVGRID_HTTPS="1",
        GOVGRID_DEBUG="0",
        GOVGRID_SECRET_KEY="production-" + "k3y-" * 12,
        GOVGRID_ALLOWED_HOSTS="govgrid.example.gov.cn",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
