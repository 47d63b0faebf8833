package desk

import (
	"slices"

	"github.com/svcflow/svcflow"
)

// canSee applies SPEC §8: requesters see items requested by or for them,
// or watched by them; agents see their teams' items and items they work
// on, approve or asked for; managers and admins see everything.
func canSee(p *svcflow.Person, w *svcflow.WorkItem, stream *svcflow.ValueStream) bool {
	if p.Role.AtLeast(svcflow.RoleManager) {
		return true
	}
	if w.CanSee(p.ID) {
		return true
	}
	if p.Role != svcflow.RoleAgent {
		return false
	}
	// Their teams' items: any team the item has queued with, so work stays
	// visible to the people who did it after it moves on or ends.
	if slices.ContainsFunc(w.Teams, func(t string) bool { return slices.Contains(p.Teams, t) }) || slices.Contains(w.Workers, p.ID) {
		return true
	}
	v := w.Visit
	if v == nil {
		return false
	}
	if v.Person == p.ID || slices.Contains(v.Swarm, p.ID) {
		return true
	}
	if stream != nil {
		if st := stream.Step(v.Step); st != nil && st.Approval != nil {
			return isApprover(p, st.Approval)
		}
	}
	return false
}

// isApprover reports whether p matches an entry of the approval.
func isApprover(p *svcflow.Person, a *svcflow.Approval) bool {
	act := p.Actor()
	for _, ap := range a.Approvers {
		if ap.Role != "" && slices.Contains(act.Roles, ap.Role) ||
			ap.Team != "" && slices.Contains(act.Teams, ap.Team) ||
			ap.Person != "" && ap.Person == p.ID {
			return true
		}
	}
	return false
}

// requesterCommands are what a requester may do on an item they can see:
// talk, confirm or dispute the resolution, give feedback, withdraw it, and
// follow it.
func requesterMay(cmd svcflow.Command) bool {
	switch c := cmd.(type) {
	case svcflow.AddComment:
		return c.Public
	case svcflow.GiveFeedback, svcflow.Close, svcflow.Reopen, svcflow.Cancel, svcflow.Watch, svcflow.Attach:
		return true
	case svcflow.Approve, svcflow.Reject:
		return true // the domain checks the approver list
	}
	return false
}

// mayAct checks the role rules for a command on an item the person can see.
func mayAct(p *svcflow.Person, cmd svcflow.Command) error {
	if p.Role == svcflow.RoleRequester && !requesterMay(cmd) {
		return svcflow.Errorf(svcflow.ErrForbidden, "a requester may not %s a work item", svcflow.CommandName(cmd))
	}
	return nil
}
