"""Text that is not valid Unicode: unpaired UTF-16 surrogates, which JSON escapes can carry
(`"\\ud800"`) and command lines can produce, but no UTF-8 store, hash or answer can hold."""

import re

SURROGATE = re.compile("[\ud800-\udfff]")
Path = tuple[str | int, ...]


def unpaired_surrogate(value: object, path: Path = ()) -> Path | None:
    """Where the first string holding a surrogate lies in a JSON-like value (None: nowhere).

    `json.loads` joins escaped pairs into one character, so any surrogate left is unpaired.
    """
    if isinstance(value, str):
        return path if SURROGATE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and SURROGATE.search(key):
                return (*path, key.encode("utf-8", "backslashreplace").decode("utf-8"))
            found = unpaired_surrogate(item, (*path, key))
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = unpaired_surrogate(item, (*path, i))
            if found is not None:
                return found
    return None


MESSAGE = "text holds an unpaired surrogate (U+D800-U+DFFF); send valid Unicode"
