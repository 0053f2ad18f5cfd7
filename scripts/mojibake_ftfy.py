"""ftfy's encoding repair over a generated mojibake set (issue #16), for
`newsdex-eval mojibake-gen --ftfy PYTHON`.

Reads JSON Lines {"id", "text"} from argv[1], writes {"id", "output"} to argv[2] and
prints {"seconds": ...} (the time of the repairs only). ftfy.fix_text runs with only its
encoding fixes on (fix_encoding, restore_byte_a0, replace_lossy_sequences,
decode_inconsistent_utf8, fix_c1_controls, fix_surrogates): its other fixes (curly quotes
to straight ones, ligatures, full-width characters, HTML entities, NFC) change correct
text on purpose and are not what is measured here.
"""

import json
import sys
import time

import ftfy

CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=True,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    start = time.perf_counter()
    outputs = [ftfy.fix_text(r["text"], CONFIG) for r in rows]
    seconds = time.perf_counter() - start
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        for r, o in zip(rows, outputs):
            f.write(json.dumps({"id": r["id"], "output": o}, ensure_ascii=False) + "\n")
    print(json.dumps({"seconds": seconds, "ftfy": ftfy.__version__}))


if __name__ == "__main__":
    main()
