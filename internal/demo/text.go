package demo

import "github.com/svcflow/svcflow"

// The words of the demo: titles and comments people would write. They
// carry no logic; they make the demo read like a real desk.

// issue is something that goes wrong with a service, as a user reports it.
type issue struct {
	title    string
	category string
}

// issues by service: what users report to the desk.
var issues = map[string][]issue{
	"email": {
		{"Outlook keeps asking for my password", "access"},
		{"Emails stuck in the outbox", "software"},
		{"Cannot open the shared team calendar", "software"},
		{"Mailbox full warning although I deleted old mail", "software"},
		{"Suspicious email asking me to confirm bank details", "security"},
		{"Meeting invites arrive twice", "software"},
	},
	"vpn": {
		{"VPN disconnects every few minutes", "network"},
		{"Cannot connect to the VPN from home", "network"},
		{"VPN client will not install after the update", "software"},
	},
	"hr-portal": {
		{"HR portal shows an error when I book leave", "software"},
		{"Payslip page is blank in the HR portal", "software"},
		{"Cannot approve my team's absence requests", "access"},
	},
	"payroll": {
		{"Overtime missing from this month's payroll export", "software"},
		{"Payroll run report fails to generate", "software"},
	},
	"crm": {
		{"CRM is very slow this morning", "performance"},
		{"Cannot save customer notes in the CRM", "software"},
		{"CRM search returns no results", "software"},
		{"CRM logs me out every few minutes", "access"},
	},
	"laptop": {
		{"Laptop will not charge", "hardware"},
		{"Screen flickers on the docking station", "hardware"},
		{"Laptop fan very loud and the machine is hot", "hardware"},
		{"Some keyboard keys do not work", "hardware"},
		{"Laptop very slow to start", "performance"},
	},
	"accounts": {
		{"Account locked although I typed the right password", "access"},
		{"Multi-factor prompt never arrives on my phone", "access"},
	},
	"pos": {
		{"Till 2 will not print receipts", "hardware"},
		{"Card payments declined at the store", "software"},
		{"Point of sale freezes at checkout", "software"},
		{"Barcode scanner not recognised by the till", "hardware"},
	},
	"network": {
		{"Wi-Fi drops in meeting room 3", "network"},
		{"No network on the second-floor printer", "network"},
		{"Guest Wi-Fi password does not work", "network"},
	},
}

// questions are queries: the user is not sure anything is broken.
var questions = map[string][]string{
	"email":     {"How do I set up an out-of-office reply?", "How do I share my calendar with my team?"},
	"vpn":       {"Do I need the VPN to use the HR portal from home?"},
	"hr-portal": {"Where can I find last year's payslips?", "How do I change my bank details?"},
	"crm":       {"Is the CRM down for everyone?", "How do I export my customer list?"},
	"laptop":    {"Can I take my laptop abroad on holiday?", "How do I connect to the meeting room screen?"},
	"pos":       {"How do I process a refund without a receipt?"},
	"network":   {"What is the Wi-Fi password for visitors?"},
	"payroll":   {"When is the payroll cut-off this month?"},
}

// alerts are what monitoring reports; they enter at investigation.
var alerts = []struct{ service, title string }{
	{"crm", "Monitoring: CRM API error rate above 5%"},
	{"vpn", "Monitoring: VPN gateway CPU above 90%"},
	{"email", "Monitoring: mail queue longer than 500 messages"},
	{"network", "Monitoring: access point AP-2-07 offline"},
	{"pos", "Monitoring: store 14 tills not sending transactions"},
	{"payroll", "Monitoring: payroll database backup failed"},
	{"hr-portal", "Monitoring: HR portal certificate expires in 7 days"},
}

// majors are the major incidents of the month.
var majors = []struct{ service, title string }{
	{"pos", "Major: card payments failing in all stores"},
	{"crm", "Major: CRM unavailable for all users"},
	{"email", "Major: email delivery delayed company-wide"},
	{"vpn", "Major: nobody can connect to the VPN"},
}

var hrRoles = []string{"absence approver", "payroll viewer", "recruiter", "team leader", "HR read-only"}

var newHireJobs = []string{"sales assistant", "store manager", "accountant", "buyer", "data analyst", "customer service advisor", "visual merchandiser"}

// changes the IT teams raise: standard ones are pre-authorised.
var standardChanges = []struct{ service, title string }{
	{"pos", "Monthly OS patching of store tills"},
	{"vpn", "Renew the TLS certificate of the VPN gateway"},
	{"email", "Add a DNS record for the new mail relay"},
	{"network", "Firmware update of floor 2 access points"},
	{"laptop", "Roll out the monthly laptop security updates"},
	{"crm", "Add a field to the CRM customer form"},
}

var normalChanges = []struct{ service, title string }{
	{"crm", "Upgrade the CRM to version 12.4"},
	{"payroll", "Migrate the payroll database to the new cluster"},
	{"network", "Replace the core switch in the head office"},
	{"email", "Move shared mailboxes to the new mail platform"},
	{"hr-portal", "Enable single sign-on for the HR portal"},
	{"pos", "Introduce contactless limits change at the tills"},
}

var problems = []struct{ service, title string }{
	{"vpn", "Recurring VPN disconnects for home workers"},
	{"crm", "CRM slows down every Monday morning"},
	{"laptop", "Docking stations lose the external screens"},
	{"pos", "Receipt printers jam after the paper roll change"},
}

var demands = []struct{ service, title, story string }{
	{"click-and-collect", "Click and collect for online orders",
		"As a store customer I want to collect my online order in a store so that I do not pay for delivery."},
	{"hr-portal", "Self-service expense claims",
		"As an employee I want to claim expenses on my phone so that I am paid back within a week."},
	{"crm", "Loyalty points visible at the till",
		"As a sales assistant I want to see a customer's loyalty points at the till so that I can offer rewards."},
}

// improvementIdeas are the register's ideas, each with the one metric
// that will say whether it worked.
var improvementIdeas = []struct {
	title, problem, action, stream string
	metric                         svcflow.Metric
	direction                      svcflow.Direction
	target                         float64
}{
	{"Auto-approve low-risk roles in the HR application", "Most access requests wait for an approval that is never refused",
		"Let the approval step approve low-risk roles by itself", "hr-app-access", svcflow.MetricTimeToResolveMean, svcflow.Decrease, 2 * 3600},
	{"Publish a known-error article for VPN disconnects", "The desk rediscovers the same VPN workaround every week",
		"Write the workaround up as a known error and link it from VPN incidents", "restore-live-service", svcflow.MetricFCRRate, svcflow.Increase, 0.6},
	{"Cut the approval wait for new laptops", "Laptop requests sit for days before a manager approves them",
		"Pre-approve standard laptops within the budget", "request-fulfilment", svcflow.MetricTimeToResolveMean, svcflow.Decrease, 24 * 3600},
	{"Pre-stage laptops before new hires start", "New starters wait for a laptop on their first day",
		"Image and label laptops the week before the start date", "new-hire-onboarding", svcflow.MetricTimeToResolveMean, svcflow.Decrease, 3 * 24 * 3600},
	{"Raise the first-contact fix rate for Outlook issues", "Simple Outlook problems are passed to second line",
		"Give the desk a checklist for the five commonest Outlook faults", "restore-live-service", svcflow.MetricFCRRate, svcflow.Increase, 0.7},
	{"Self-service unlock for locked accounts", "Locked accounts make up a large part of the calls before nine",
		"Let people unlock their own accounts from the portal", "password-reset", svcflow.MetricTimeToResolveP50, svcflow.Decrease, 600},
	{"Weekly review of the oldest open incidents", "Some incidents are resolved, then reopened a week later",
		"Review the oldest open and recently reopened incidents every Monday", "restore-live-service", svcflow.MetricReopenRate, svcflow.Decrease, 0.05},
}

var agentReplies = []string{
	"Thanks for reporting this. I'm looking into it now.",
	"I've picked this up and will get back to you within the hour.",
	"Could you tell me when this started and whether colleagues see the same?",
	"I've applied a fix on our side; could you try again and let me know?",
	"We've passed this to the specialist team and will keep you updated.",
	"This is done on our side. Let us know if anything still looks wrong.",
}

var askRequester = []string{
	"Could you send a screenshot of the error message?",
	"Could you restart the device and tell me whether it still happens?",
	"Which store and till number is affected?",
	"Can you confirm the cost centre for this request?",
	"When would you be available for a remote session?",
}

var requesterReplies = []string{
	"Here is the screenshot you asked for.",
	"Restarted, and it still happens.",
	"It's store 14, till 2.",
	"Cost centre is 4410.",
	"I'm free after 2 pm today.",
	"It started this morning, two colleagues have the same problem.",
}

var internalNotes = []string{
	"Checked the logs: the errors started around 09:10.",
	"Matches a known error; applying the documented workaround.",
	"Restarted the service on app-02 and watching the dashboards.",
	"Not reproducible on my machine; checking the user's profile.",
	"Same symptom as last week's ticket; linking them for problem management.",
	"Asked the vendor whether their latest patch covers this.",
	"Approved by phone, recording it here.",
}

var rejectReasons = []string{
	"Not in this year's budget",
	"The role does not need this access",
	"Please use the shared device instead",
	"Needs a risk assessment first",
}

var reopenReasons = []string{
	"It worked for a day and now it's back.",
	"Still not working for me.",
	"Only half of it was done.",
}

var descriptions = []string{
	"Started this morning.",
	"Happens every time I try.",
	"A few colleagues have the same problem.",
	"Customers are waiting, please help quickly.",
	"I tried restarting; no change.",
	"Not urgent, but it slows me down.",
}

// requestDetails are the titles of catalogue requests, by catalogue entry.
var requestDetails = map[string][]string{
	"new-laptop":       {"New laptop: mine is five years old", "Laptop for the new store manager", "Replacement laptop after water damage"},
	"monitor":          {"Second monitor for my desk", "Larger monitor for design work"},
	"software-install": {"Install Tableau Desktop", "Install Visio", "Install the PDF editor", "Install Power BI Desktop"},
	"crm-licence":      {"CRM licence for a new sales assistant", "CRM licence for the franchise office"},
	"vpn-access":       {"VPN access to work from home", "VPN access while travelling next month"},
	"shared-mailbox":   {"Shared mailbox for click-and-collect orders", "Access to the returns@ shared mailbox"},
}

var passwordTitles = []string{"Forgotten password", "Password expired while I was on leave", "Locked out after too many attempts"}

// articles are the demo's knowledge base: the fixes the desk reaches for
// most, published, so the portal has something to suggest.
var articles = []struct {
	title, symptoms, cause, resolution, workaround, service string
	knownError                                              bool
}{
	{"Outlook keeps asking for the password", "Outlook shows the sign-in window again and again, even with the right password.",
		"A cached credential from before the last password change.", "Remove the Office entries from Windows Credential Manager, then restart Outlook and sign in once.", "", "email", false},
	{"Emails stuck in the outbox", "Messages stay in the outbox and are never sent.",
		"Usually an attachment over the 25 MB limit, or Outlook working offline.", "Check that Outlook is not set to Work Offline; move large attachments to a shared folder and send a link.", "", "email", false},
	{"VPN disconnects every few minutes", "The VPN connects, then drops after a few minutes, mostly on home Wi-Fi.",
		"The VPN client's power saving on the network adapter, with the current client version.", "",
		"Turn off power saving for the Wi-Fi adapter in Device Manager; a fixed client is being tested.", "vpn", true},
	{"Cannot connect to the VPN from home", "The VPN client says the server cannot be reached.",
		"The home router blocks the VPN's UDP port, or the client's certificate expired.", "Switch the client to TCP mode in its settings; if the certificate expired, renew it from the portal.", "", "vpn", false},
	{"Locked out after too many password attempts", "The sign-in page says the account is locked.",
		"Five wrong passwords in a row lock the account for 30 minutes.", "Unlock it yourself with the portal's password reset, or wait 30 minutes.", "", "accounts", false},
	{"Receipt printer at the till prints blank receipts", "Receipts come out of the till printer blank.",
		"Thermal paper loaded the wrong way round.", "Open the printer, turn the roll over so the shiny side faces the print head, and close it.", "", "pos", false},
}
