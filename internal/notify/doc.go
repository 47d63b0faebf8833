// Package notify sends svcflow's outbound notifications: signed webhooks
// and mail. A consumer reads the event log after a cursor kept in the
// database and records each notification rule firing exactly once (rule,
// item, triggering event) with the deliveries it causes; a worker claims
// due deliveries through the database, sends them at least once under a
// stable delivery id, logs every attempt and retries with backoff. Several
// instances may run both at once. The rules that decide who hears of what
// are data (DefaultRules) over pure producers, so a rules engine can call
// the same producers.
package notify
