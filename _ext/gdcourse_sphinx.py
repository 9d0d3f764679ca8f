"""Small Sphinx fixes for the gdcourse book.

``dedupe_scripts``: sphinx-thebe registers its configuration script once per reading pass,
and a second ``const THEBE_JS_URL`` declaration is a JavaScript error on every page.  Keep
each script once.
"""


def dedupe_scripts(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = (str(getattr(script, "filename", script) or ""),
               tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
