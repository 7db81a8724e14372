#!/usr/bin/env bash
# Chromium and a Chinese font for the Playwright tests, and GNU gettext for compiling the
# translation catalogues. Installs them with apt when
# running as root; otherwise says what is missing (the browser tests then skip,
# except under CI where WANGGE_REQUIRE_BROWSER=1 makes them fail).
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi micro hei" || need+=(fonts-wqy-microhei)
command -v msgfmt >/dev/null || need+=(gettext)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing ${need[*]} for the browser tests…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || true
  apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "Tests need: ${need[*]} (apt-get install ${need[*]}); browser tests will be skipped and the committed catalogues used." >&2
fi
