#!/usr/bin/env bash
# Makes ipcdump's install packages from HEAD (README "Packages"), into build/packages/:
#   ipcdump-<version>.tgz               npm tarball (npm pack): prebuilt BPF objects and native
#                                       addon for linux-x64; builds the addon on install only
#                                       when the prebuild does not load (node-gyp-build)
#   ipcdump_<version>_amd64.deb         dpkg-buildpackage + debhelper: /usr/lib/ipcdump,
#                                       /usr/bin/{ipcdump,ebpftracer,ipftrace}, man pages
#   ipcdump-<version>-linux-x64.tar.gz  the .deb's files under one folder (bin/, lib/ipcdump/,
#                                       share/) for other distributions
# HEAD is exported with git archive and built there from scratch, so a package is exactly the
# commit that --version names, whatever the working tree holds. Installs its build tools
# (apt-get build-dep on packaging/debian/control) when they are missing, which needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/build/packages
WORK=$OUT/work

say() { printf '[package] %s\n' "$*" >&2; }
die() { printf 'package: %s\n' "$*" >&2; exit 1; }

git rev-parse --verify -q HEAD >/dev/null 2>&1 || die "not a git checkout with a commit: the packages are built from HEAD"
command -v node >/dev/null || die "node not found: install Node.js 20 (e.g. NodeSource's nodejs package)"
VERSION=$(node -p "require('./package.json').version")
COMMIT=$(git rev-parse --short=12 HEAD)
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  say "building HEAD ($COMMIT): uncommitted changes are not in the packages"
fi

# Tools this script runs itself; the build's own tools are debian/control's Build-Depends.
need=()
for p in dpkg-dev debhelper help2man lintian; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
apt_install() {
  [ "$(id -u)" -eq 0 ] || die "missing packages ($*): install them, or run as root (sudo $0) to have them installed"
  export DEBIAN_FRONTEND=noninteractive
  apt-get "$@" -y -qq --no-install-recommends >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get "$@" -y -qq --no-install-recommends >/dev/null; } ||
    die "apt-get $* failed"
}
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  apt_install install "${need[@]}"
fi

# A clean export of HEAD, with packaging/debian as its debian/.
rm -rf "$WORK" "$OUT"/*.deb "$OUT"/*.tgz "$OUT"/*.tar.gz "$OUT"/SHA256SUMS
SRC=$WORK/ipcdump-$VERSION
mkdir -p "$SRC"
git archive --format=tar HEAD | tar -x -C "$SRC"
cp -a "$SRC/packaging/debian" "$SRC/debian"
# --version reads the commit from here: an installed copy has no .git to ask.
mkdir -p "$SRC/build"
printf '{"commit":"%s"}\n' "$COMMIT" > "$SRC/build/build-info.json"

# Maintainer and changelog date from the commit: the same commit gives the same control data
# and, through SOURCE_DATE_EPOCH (which dpkg takes from the changelog), the same file times.
MAINTAINER="${DEBFULLNAME:-$(git log -1 --format=%an)} <${DEBEMAIL:-$(git log -1 --format=%ae)}>"
sed -i "s|@MAINTAINER@|$MAINTAINER|" "$SRC/debian/control"
cat > "$SRC/debian/changelog" <<EOF
ipcdump ($VERSION) unstable; urgency=medium

  * Built by scripts/package.sh from commit $COMMIT.

 -- $MAINTAINER  $(git log -1 --format=%cD)
EOF

if ! (cd "$SRC" && dpkg-checkbuilddeps >/dev/null 2>&1); then
  say "installing the build dependencies (apt-get build-dep)"
  apt_install build-dep "$SRC"
fi

say "building $VERSION ($COMMIT) in ${SRC#"$ROOT"/}: BPF objects, native addon, TypeScript, then the .deb"
log=$WORK/dpkg-buildpackage.log
if ! (cd "$SRC" && dpkg-buildpackage -b -us -uc) >"$log" 2>&1; then
  tail -n 25 "$log" >&2
  die "dpkg-buildpackage failed (full log: ${log#"$ROOT"/})"
fi

DEB=ipcdump_${VERSION}_amd64.deb
NPM_TGZ=ipcdump-$VERSION.tgz
TGZ=ipcdump-$VERSION-linux-x64.tar.gz
mv "$WORK/$DEB" "$OUT/"
mv "$SRC/debian/npm/$NPM_TGZ" "$OUT/"

# The .tar.gz is the .deb's /usr re-rooted at ipcdump-<version>-linux-x64/: same files, and
# dh_link's relative links (bin/ipcdump -> ../lib/ipcdump/bin/ipcdump) work wherever it lands.
say "making $TGZ from the .deb"
dpkg-deb -x "$OUT/$DEB" "$WORK/deb-root"
mv "$WORK/deb-root/usr" "$WORK/ipcdump-$VERSION-linux-x64"
rm -rf "$WORK/ipcdump-$VERSION-linux-x64/share/lintian"   # Debian's checker only
epoch=$(git log -1 --format=%ct)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -C "$WORK" \
  -cf - "ipcdump-$VERSION-linux-x64" | gzip -9n > "$OUT/$TGZ"

(cd "$OUT" && sha256sum "$NPM_TGZ" "$DEB" "$TGZ" > SHA256SUMS)
# The commit the artifacts were built from, for tests that reuse them.
cp "$SRC/build/build-info.json" "$OUT/build-info.json"

say "lintian $DEB"
lintian --fail-on error "$OUT/$DEB" >&2 ||
  die "lintian found errors in $DEB (above)"

say "done:"
(cd "$OUT" && ls -l "$NPM_TGZ" "$DEB" "$TGZ" | awk '{printf "  %-40s %9d bytes\n", $9, $5}') >&2
