"""kecheng's gettext catalogs (``zh_CN/LC_MESSAGES/kecheng.po`` and its compiled ``.mo``) and the
maintainers' check that every message has its Chinese: ``python -m kecheng.locale.untranslated``."""
