// Package uitest drives svcflow's pages in a real headless Chromium
// against `svcflow demo` on a loopback port: the flows people follow, an
// accessibility check with axe-core on every main page, the security
// headers and cookies as the browser sees them, and a screenshot of each
// page. Its code is all tests; this file only names the package.
package uitest
