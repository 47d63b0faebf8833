package scale

import (
	"math/rand/v2"
	"strings"

	"github.com/svcflow/svcflow"
)

// Free text: short, varied enough for search to have something to find.

var titles = map[svcflow.Kind][]string{
	svcflow.KindIncident: {
		"%s is down", "%s is very slow since this morning", "Cannot sign in to %s", "%s shows an error on save",
		"%s keeps disconnecting", "Data missing in %s", "%s crashes when opening a report", "Timeouts in %s",
		"%s not reachable from the branch office", "Wrong totals in %s", "%s certificate warning", "%s sends duplicate messages",
	},
	svcflow.KindQuery: {
		"How do I export data from %s?", "Question about %s licences", "Where do I find the %s guide?",
		"Is %s available at the weekend?", "Who owns %s?",
	},
	svcflow.KindServiceRequest: {
		"Access to %s", "New account for %s", "More storage for %s", "Install the %s client", "Reset my %s password",
		"Add me to the %s distribution list", "Replace my device for %s", "Licence for %s",
	},
	svcflow.KindChange: {
		"Upgrade %s to the latest release", "Patch %s servers", "Move %s to new hardware", "Change the %s firewall rules",
		"Renew the %s certificate", "Scale out %s",
	},
	svcflow.KindProblem: {
		"Recurring outages of %s", "Root cause of %s slowness", "Repeated login failures in %s", "Memory leak in %s",
	},
	svcflow.KindDemand: {
		"New reporting features in %s", "Self-service for %s", "Integrate %s with the partner portal", "Mobile app for %s",
	},
	svcflow.KindImprovement: {
		"Shorten the wait for %s requests", "Knowledge article for %s errors", "Automate %s approvals", "Fewer handoffs for %s",
	},
}

var descriptions = []string{
	"It started after the last update.", "Several colleagues in my team see the same.", "It worked yesterday.",
	"This blocks the month-end close.", "Customers are waiting at the counter.", "Only on the laptop, the desktop is fine.",
	"I have restarted twice already.", "Please call me back on my mobile.", "Screenshot attached to the next comment.",
	"Needed before the new starter arrives on Monday.", "",
}

var agentComments = []string{
	"Looking into it now.", "Could you send a screenshot of the error?", "Restarted the service; please try again.",
	"Reproduced on our test system.", "Waiting for the vendor to answer.", "Applied the documented workaround.",
	"Checked the logs: the disk was full.", "Cleared the cache and re-synced the profile.", "Escalating to the specialists.",
	"The fix is scheduled for tonight's window.", "Permissions updated.", "Replaced the certificate.",
	"Rolled back the last configuration change.", "Asked the requester for the device name.", "Linked to the known error.",
}

var requesterComments = []string{
	"Any news on this?", "It happened again just now.", "Thanks, that works for me.", "Still broken for me.",
	"My manager has approved this by mail.", "Is there a workaround meanwhile?", "Added my colleague who has the same issue.",
}

func title(rng *rand.Rand, kind svcflow.Kind, service string) string {
	ts := titles[kind]
	if len(ts) == 0 {
		ts = titles[svcflow.KindIncident]
	}
	return strings.Replace(ts[rng.IntN(len(ts))], "%s", strings.ReplaceAll(service, "-", " "), 1)
}

func oneOf(rng *rand.Rand, xs []string) string { return xs[rng.IntN(len(xs))] }
