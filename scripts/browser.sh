# Sourced by scripts/test (or run as `bash scripts/browser.sh`): make sure the
# browser tests (tests/e2e/test_pages.py) have Debian's Chromium and CJK fonts.
# Playwright never downloads a browser here; it drives /usr/bin/chromium.
# When the packages cannot be installed (no apt-get, no root and no sudo, no
# network), CASETRACE_BROWSER_SKIP says why and the browser tests skip with it.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

install_browser() {
  local need=()
  [ -x /usr/bin/chromium ] || need+=(chromium)
  [ -d /usr/share/fonts/opentype/noto ] && ls /usr/share/fonts/opentype/noto/NotoSansCJK* >/dev/null 2>&1 ||
    need+=(fonts-noto-cjk)
  [ "${#need[@]}" -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "no apt-get to install ${need[*]}"; return 1
  fi
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      echo "not root and no password-less sudo to install ${need[*]}"; return 1
    fi
  fi
  echo "== apt-get install ${need[*]} (for the browser tests)" >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || true
  if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "${need[@]}" >&2; then
    echo "apt-get install ${need[*]} failed"; return 1
  fi
  [ -x /usr/bin/chromium ] || { echo "/usr/bin/chromium missing after install"; return 1; }
}

if reason="$(install_browser)"; then
  unset CASETRACE_BROWSER_SKIP
else
  export CASETRACE_BROWSER_SKIP="${reason:-could not install chromium}"
  echo "browser tests will be skipped: $CASETRACE_BROWSER_SKIP" >&2
fi
