// Package report turns value stream definitions into documents: the stream
// and step templates (003 Tables 4.1 and 4.2) as Markdown and HTML, the
// minimum viable practice table (Tables 4.4 and 4.5), the practice ×
// activity coverage matrix and SVG maps of streams. It reads definitions
// only; observed flow is the analytics' business.
package report
