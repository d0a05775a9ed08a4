"""Fills catalog entries from a JSON file of {key: {"es": "…", "zh-hans": "…"}}.

A key is the msgid, or "context\u0004msgid" for an entry with a context.

For the lead's use after `scripts/messages`: entries not in the file are left alone;
a filled entry loses its fuzzy flag. Run `scripts/messages` again to compile.
"""

import json
import sys
from pathlib import Path

import polib
from django.utils.translation import to_language

ROOT = Path(__file__).resolve().parent.parent


def main(path: str) -> None:
    wanted = json.loads(Path(path).read_text())
    missing = []
    for po_path in sorted(ROOT.glob("locale/*/LC_MESSAGES/django.po")):
        # Keys are language codes (zh-hans); folders are locale names (zh_Hans).
        language = to_language(po_path.parent.parent.name)
        catalog = polib.pofile(str(po_path))
        for entry in catalog:
            key = f"{entry.msgctxt}\u0004{entry.msgid}" if entry.msgctxt else entry.msgid
            texts = wanted.get(key, {}).get(language)
            if texts is None:
                if not entry.translated() or "fuzzy" in entry.flags:
                    missing.append(f"{language}: {key!r}")
                continue
            if entry.msgid_plural:
                forms = texts if isinstance(texts, list) else [texts, texts]
                entry.msgstr_plural = dict(enumerate(forms))
            else:
                entry.msgstr = texts
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        catalog.save()
    print("\n".join(missing) or "every entry is translated")


if __name__ == "__main__":
    main(sys.argv[1])
