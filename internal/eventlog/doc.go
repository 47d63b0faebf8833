// Package eventlog owns reading and writing event logs in CSV and XES
// (IEEE 1849), the formats analysts and process mining tools exchange.
//
// The writers export svcflow's own events: XESWriter streams one trace per
// work item and CSVWriter one row per event, both in constant memory so an
// export of millions of events never holds them all.
//
// The readers import any log into the compact columnar Log (SPEC §3):
// ReadCSV, ReadXES and ReadFile (which also takes .gz files and picks the
// format). ReadCSV finds the delimiter and the case, activity, timestamp,
// resource and lifecycle columns from common names unless told, keeps every
// other column as an attribute, and detects each timestamp column's layout
// over the whole column (a day/month order no value decides is an error
// that suggests a --time-format). It scans fields as byte slices of one
// buffer and interns them, so a row costs no allocation and memory follows
// the Log, not the file. ReadXES streams through its own small XML scanner
// for the same reason. Malformed rows and events are warnings with their
// line, or errors under ReadOptions.Strict. WriteLogCSV and WriteLogXES
// write a Log back, and Synthesize writes a large help-desk-like log for
// benchmarks.
//
// The export formats are designed so that a reader can rebuild every
// svcflow.Event field from what the writers wrote:
//
//   - step events (SPEC §3 visits) carry an XES lifecycle transition
//     (see Lifecycle), so tools that understand the standard lifecycle model
//     measure wait and cycle time without knowing svcflow;
//   - every event carries its type as svcflow:type (XES) or in the type
//     column (CSV), so nothing depends on the lifecycle mapping being
//     inverted;
//   - payload fields keep their JSON names from svcflow.EventData: as
//     svcflow:<name> attributes in XES (the team as org:group), and in CSV
//     as a column (team, person, outcome, reason) or in the detail column.
//
// Both writers format times with TimeLayout (UTC, milliseconds, truncated)
// and pass every string through the same cleaning: a byte that is not valid
// UTF-8, and a character XML 1.0 cannot hold (C0 controls other than tab,
// newline and carriage return, U+FFFE, U+FFFF), becomes one U+FFFD each. XML
// would otherwise be malformed, and keeping CSV identical lets an analyst
// compare the two exports value for value.
//
// Events carry no free text: titles, descriptions and comment bodies live in
// rows that events reference by id (svcflow.Event). Cells are therefore
// written as they are, with no spreadsheet formula guard (a leading ' would
// change ids and break round trips).
package eventlog
