// Package e2e drives the operator portal in a real browser against the real
// server: it starts Konstruct in-process (apitest) with the built SPA from
// frontend/dist, then runs each journey script in frontend/e2e/*.mjs with
// Node and playwright-core in Debian's Chromium. A journey is a plain Node
// program that exits non-zero on failure; this package only provides the
// server, an account, and the environment, and reports the script's output.
//
// Prerequisites (the tests fail, never skip, when one is missing): the portal
// built into frontend/dist (`go tool task frontend:build`), frontend's npm
// dependencies installed, Node on PATH, and Chromium at /usr/bin/chromium or
// $CHROMIUM_PATH (`apt-get install chromium`; no browser is ever downloaded).
//
// All journeys share one server wired to the fake Slack, Graph API and LLM
// providers (api/fakes), working jobs so chat messages get real replies, with
// TURN_DEBOUNCE=0s and LLM_MAX_RETRIES=0. A journey may have a Go-side setup
// (journeys_test.go) that prepares the far side before the script runs and
// checks afterwards what the script caused there.
//
// Screenshots of every journey step, at desktop (1280×800) and phone
// (390×844) widths, land in test-artifacts/e2e/ at the repository root.
package e2e
