"""Make `mim train mmrotate ...` find MMRotate 1.x: install a file-less `mmrotate` alias distribution.

openmim resolves a codebase by *distribution* name (``pkg_resources.get_distribution('mmrotate')``)
and then looks for ``<site-packages>/mmrotate/.mim/tools/train.py``. MMRotate 1.x is installed as
``mmrotate-dev`` (upstream dev-1.x) or ``onedl-mmrotate`` (OneDL), both importing as ``mmrotate``,
so mim reports "not installed" and offers to install PyPI's ``mmrotate``, which is 0.x and would
break the stack. This tool installs, next to the provider, a wheel named ``mmrotate`` holding only
its metadata: ``Version`` = the provider's version, ``Requires-Dist: <provider>==<version>``. It
owns no files, so pip never lets it delete the provider's (unlike repackaging the provider under the
name ``mmrotate``), ``pip check`` stays clean, and ``pip uninstall mmrotate`` removes just the alias.

    python tools/mim_alias.py            # idempotent: prints what it did or that nothing was needed
    python tools/mim_alias.py --check    # exit 1 if the alias is missing or stale, change nothing

Only the standard library is used: tools/bootstrap.sh runs it with the venv's interpreter.
"""
import argparse
import base64
import hashlib
import os
import os.path as osp
import re
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from importlib import metadata
from typing import NamedTuple, Optional

ALIAS = 'mmrotate'
MARKER = 'mmrotate-dal-alias'  # written in the alias' METADATA, so we only ever replace our own


class Provider(NamedTuple):
    name: str     # distribution name, e.g. 'mmrotate-dev'
    version: str  # e.g. '1.0.1'
    module_dir: str  # where `import mmrotate` comes from


def _canonical(name: str) -> str:
    return re.sub(r'[-_.]+', '-', name).lower()


def find_provider(module: str = ALIAS) -> Provider:
    """The installed distribution that provides the ``mmrotate`` import (other than an alias).

    Raises:
        RuntimeError: if none or several do, or the import is MMRotate 0.x.
    """
    names = sorted({n for n in metadata.packages_distributions().get(module, [])})
    if not names:
        raise RuntimeError(f'no installed distribution provides the `{module}` import: install '
                           'MMRotate 1.x (mmrotate-dev or onedl-mmrotate) first')
    if len(names) > 1:
        raise RuntimeError(f'several distributions provide the `{module}` import: {names}; '
                           'uninstall all but one (pip uninstall ...)')
    dist = metadata.distribution(names[0])
    if not dist.version.split('.')[0].isdigit() or int(dist.version.split('.')[0]) < 1:
        raise RuntimeError(f'{names[0]} {dist.version} is MMRotate 0.x; this package needs 1.x '
                           '(mmrotate-dev or onedl-mmrotate)')
    module_dir = osp.dirname(str(dist.locate_file(osp.join(module, '__init__.py'))))
    return Provider(_canonical(dist.metadata['Name']), dist.version, module_dir)


def _installed(name: str) -> Optional[metadata.Distribution]:
    try:
        return metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None


def _is_alias(dist: metadata.Distribution) -> bool:
    return MARKER in (dist.metadata.get('Keywords') or '')


def installed_alias() -> Optional[metadata.Distribution]:
    """The installed ``mmrotate`` distribution, if it is this tool's file-less alias."""
    dist = _installed(ALIAS)
    return dist if dist is not None and _is_alias(dist) else None


def alias_requirement(provider: Provider) -> str:
    return f'{_canonical(provider.name)}=={provider.version}'


def alias_is_current(provider: Provider) -> bool:
    dist = installed_alias()
    return (dist is not None and dist.version == provider.version
            and [_canonical(r) for r in (dist.requires or [])]
            == [_canonical(alias_requirement(provider))])


def build_alias_wheel(provider: Provider, out_dir: str) -> str:
    """Write ``mmrotate-<version>-py3-none-any.whl`` holding only its dist-info; return its path."""
    version = provider.version
    info = f'{ALIAS}-{version}.dist-info'
    files = {
        f'{info}/METADATA': (
            'Metadata-Version: 2.1\n'
            f'Name: {ALIAS}\n'
            f'Version: {version}\n'
            f'Summary: File-less alias of {provider.name} {version} (MMRotate 1.x) so that tools '
            'resolving MMRotate by distribution name (openmim) find it\n'
            f'Keywords: {MARKER}\n'
            f'Requires-Dist: {alias_requirement(provider)}\n\n'),
        f'{info}/WHEEL': ('Wheel-Version: 1.0\nGenerator: mmrotate-dal tools/mim_alias.py\n'
                          'Root-Is-Purelib: true\nTag: py3-none-any\n'),
    }

    def digest(text):
        raw = hashlib.sha256(text.encode()).digest()
        return 'sha256=' + base64.urlsafe_b64encode(raw).rstrip(b'=').decode()

    record = ''.join(f'{path},{digest(text)},{len(text.encode())}\n' for path, text in files.items())
    files[f'{info}/RECORD'] = record + f'{info}/RECORD,,\n'
    path = osp.join(out_dir, f'{ALIAS}-{version}-py3-none-any.whl')
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as whl:
        for name, text in files.items():
            whl.writestr(name, text)
    return path


def ensure_alias(check_only: bool = False) -> str:
    """Install (or refresh) the alias for the current provider; return a one-line report.

    Raises:
        RuntimeError: no/several providers, a real ``mmrotate`` distribution in the way, the
            provider outside this interpreter's site-packages (mim would look in the wrong
            place), or a failing pip.
    """
    provider = find_provider()
    if _canonical(provider.name) == ALIAS:
        return f'{provider.name} {provider.version} is itself named `{ALIAS}`: no alias needed'
    purelib = osp.realpath(sysconfig.get_paths()['purelib'])
    if osp.realpath(osp.dirname(provider.module_dir)) != purelib:
        raise RuntimeError(f'`import {ALIAS}` comes from {provider.module_dir} ({provider.name}, '
                           f'e.g. an editable install), not from {purelib}: mim looks for '
                           f'{purelib}/{ALIAS}/.mim, so an alias would not help; install '
                           f'{provider.name} non-editable')
    if alias_is_current(provider):
        return (f'alias {ALIAS} {provider.version} -> {provider.name} already installed; '
                'nothing to do')
    existing = _installed(ALIAS)
    if existing is not None and not _is_alias(existing):
        raise RuntimeError(f'a distribution named `{ALIAS}` that is not this tool\'s alias is '
                           f'installed next to {provider.name}: pip uninstall {ALIAS}')
    if check_only:
        raise RuntimeError(f'alias {ALIAS} -> {alias_requirement(provider)} missing or stale '
                           '(run tools/mim_alias.py)')
    with tempfile.TemporaryDirectory() as tmp:
        wheel = build_alias_wheel(provider, tmp)
        cmd = [sys.executable, '-m', 'pip', '--disable-pip-version-check', 'install', '--no-deps',
               '--no-index', '--force-reinstall', '--quiet', wheel]
        done = subprocess.run(cmd, capture_output=True, text=True,
                              env=dict(os.environ, PIP_NO_INPUT='1'))
        if done.returncode != 0:
            raise RuntimeError(f'pip could not install the alias wheel:\n{done.stderr.strip()}')
    return f'installed alias {ALIAS} {provider.version} -> {alias_requirement(provider)}'


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--check', action='store_true',
                        help='only check; exit 1 if the alias is missing or stale')
    args = parser.parse_args(argv)
    try:
        print(ensure_alias(check_only=args.check))
    except RuntimeError as err:
        print(f'mim_alias: {err}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
