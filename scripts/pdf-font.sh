# Sourced by scripts/run and scripts/test: the TrueType CJK font the written
# notices' PDFs embed (api/licensing/documents; ReportLab cannot embed the CFF
# outlines of Noto CJK). Installed with apt-get when missing; without it the
# server refuses to start and says so (CASETRACE_PDF_FONT names another font).
install_pdf_font() {
  local font=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
  [ -n "${CASETRACE_PDF_FONT:-}" ] && return 0
  [ -f "$font" ] && return 0
  command -v apt-get >/dev/null 2>&1 || { echo "no apt-get to install fonts-wqy-microhei" >&2; return 0; }
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      echo "not root and no password-less sudo to install fonts-wqy-microhei" >&2; return 0
    fi
  fi
  echo "== apt-get install fonts-wqy-microhei (for the PDFs)" >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || true
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends fonts-wqy-microhei >&2 ||
    echo "apt-get install fonts-wqy-microhei failed" >&2
}
install_pdf_font
