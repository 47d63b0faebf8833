// Package csvimport parses the CSV files of
// `svcflow import people|teams|services|cis FILE.csv` into domain records.
//
// It only reads and checks: each Parse function returns the records of the
// rows that are sound and every problem found in the file, not just the
// first, so a person fixing a spreadsheet sees all of it in one run.
// Whether a file with problems imports nothing or its sound rows is the
// caller's decision (the CLI imports all or nothing), and so are the checks
// that need the store: that teams, organisations, services, owners and
// related CIs exist. Records come without a creation time; the desk sets it.
//
// Every problem is an Error printed as FILE:LINE: column: message, where the
// header is line 1, LINE is where the offending value starts (a quoted value
// may span lines) and the column is the header name, lower-cased:
//
//	people.csv:3: email: "x" is not an email address
//
// # The file format
//
// A file is UTF-8 CSV with a header line naming its columns, as spreadsheets
// export it: a byte order mark is ignored, header names are
// case-insensitive and may come in any order, spaces around values are
// trimmed, and blank lines (or lines of empty values) are skipped. A value
// holding a comma, a quote or a line break goes in double quotes, with each
// quote inside doubled ("say ""hi"""). Every line has as many values as the
// header. An unknown column is an error (a misspelt optional column would
// otherwise be dropped without a word), and so is a missing required one.
// A column the header leaves unnamed is ignored while it stays empty, as
// spreadsheets often export trailing empty columns.
//
// Ids are kebab-case (lower-case words joined by hyphens: payroll-db). Lists
// are separated by semicolons (platform;service-desk); a trailing semicolon
// is fine, an item listed twice is not. An id or an email may appear only
// once per file; the error names both lines.
//
// # people
//
//	column        required  value
//	name          yes       the person's name
//	email         yes       an email address, alone (not "Name <address>"); unique in the file
//	role          yes       requester, agent, manager or admin
//	id            no        default: from the email's local part, alice.martin@example.com → alice-martin
//	teams         no        team ids
//	organisation  no        the id of the person's customer organisation
//	approves      no        approval roles, such as change-manager or cab
//
// Example people.csv:
//
//	id,name,email,role,teams,organisation,approves
//	alice,Alice Martin,alice@example.com,agent,service-desk;platform,,change-manager
//	,"Nguyen, Bao",bao.nguyen@example.com,requester,,acme,
//	carol,Carol Diaz,carol@example.com,admin,,,
//
// # teams
//
//	column        required  value
//	id            yes       the team id
//	name          yes       the team's name
//	queue_policy  no        fifo, lifo, priority, shortest_first, wsjf or entitlement, optionally
//	                        with aging (priority+aging=4h); default: the desk's
//
// Example teams.csv:
//
//	id,name,queue_policy
//	service-desk,Service desk,priority
//	platform,Platform team,wsjf+aging=2d
//
// # services
//
//	column     required  value
//	id         yes       the service id
//	name       yes       the service's name
//	status     no        pipeline, live or retired; default live
//	owner      no        the id of the person or team that owns the service
//	catalogue  no        what requesters can ask for: entries separated by semicolons,
//	                     each written  entry-id: Entry name (kind)
//	                     or            entry-id: Entry name (kind, category)
//
// The catalogue encoding reads the way a catalogue is written down (id,
// then the name people see, then what kind of work it opens), and it cannot
// be misread: the id ends at the first colon and the kind and category are
// in the last parentheses, so a name may hold colons and parentheses of its
// own ("vpn: VPN (EU): access (service_request)"), though not a semicolon.
// The kind is required, because it decides the value stream. Descriptions
// and request forms are set through the API.
//
// Example services.csv:
//
//	id,name,status,owner,catalogue
//	email,Email,live,platform,"new-mailbox: New shared mailbox (service_request, mailbox); outage: Email is down (incident)"
//	payroll,Payroll,live,hr-systems,payslip-copy: Copy of a payslip (service_request)
//	intranet-v2,New intranet,pipeline,,
//
// # cis
//
//	column      required  value
//	id          yes       the CI id
//	name        yes       the CI's name
//	class       yes       a common class (business_service, application, database, middleware,
//	                      server, virtual_machine, hypervisor, container_platform, network_device,
//	                      storage, cloud_service, workstation, facility) or a snake_case class of your
//	                      own that is not a typo of a common one
//	services    no        ids of the services the CI belongs to
//	status      no        planned, live, maintenance or retired; default live
//	depends_on  no        ids of the CIs this one depends on: their failure affects it
//	runs_on     no        ids of the CIs this one runs on: their failure affects it
//	used_by     no        ids of the CIs that use this one: its failure affects them
//	attr.KEY    no        any number of columns: the value of attribute KEY (snake_case), such as
//	                      attr.ip_address or attr.os; an empty value sets nothing
//
// Each relationship is stated in the row of the CI it starts from, so the
// file holds every relationship once; the related CIs may be further down
// the file or already in svcflow. A CI of class business_service stands for
// the service of the same id in impact analysis.
//
// Example cis.csv:
//
//	id,name,class,services,status,depends_on,runs_on,used_by,attr.ip_address,attr.os
//	payroll,Payroll,business_service,payroll,live,,,,,
//	payroll-app,Payroll application,application,payroll,live,payroll-db,vm-17,payroll,,
//	payroll-db,Payroll database,database,payroll,live,,vm-18,,,
//	vm-17,VM 17,virtual_machine,,live,,esx-1,,10.0.4.17,debian 12
//	vm-18,VM 18,virtual_machine,,live,,esx-1,,10.0.4.18,debian 12
//	esx-1,ESX host 1,hypervisor,,live,,,,10.0.0.11,
package csvimport
