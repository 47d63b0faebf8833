package server

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"strings"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/notify"
)

// The pages behind the links mailed to requesters (notify.ResolvedMail):
// GET shows what the link will do and changes nothing; the form's POST
// does it, as the person the signed token names. The token in the form is
// what a cross-site request cannot know, on top of the cross-origin
// protection every route has.

// actionPage is the data of the action link page.
type actionPage struct {
	Heading string
	Message string
	Item    string
	Title   string
	Action  string
	Token   string
	Button  string
	Reason  bool // the form asks for a reason
}

var actionTemplate = template.Must(template.New("action").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>svcflow — {{.Heading}}</title><link rel="stylesheet" href="/static/report.css"></head>
<body><h1>{{.Heading}}</h1>
{{if .Title}}<p><strong>{{.Item}}</strong> {{.Title}}</p>{{end}}
<p>{{.Message}}</p>
{{if .Token}}<form method="post" action="/items/{{.Item}}/{{.Action}}">
<input type="hidden" name="token" value="{{.Token}}">
{{if .Reason}}<p><label for="reason">What is still wrong? (optional)</label><br><textarea id="reason" name="reason" rows="4" cols="60" maxlength="2000"></textarea></p>{{end}}
<p><button type="submit">{{.Button}}</button></p>
</form>{{end}}
</body></html>
`))

// actionTexts are what each action's page says.
var actionTexts = map[string]struct{ heading, ask, button, done string }{
	notify.ActionConfirm: {"Confirm the resolution", "Does it work for you now? Confirming closes the item.", "Yes, it works: close it", "Thank you. The item is closed."},
	notify.ActionReopen:  {"Reopen", "Is the problem still there? Reopening puts the item back in the team's hands.", "Reopen it", "The item is open again; the team will pick it up."},
}

// maxActionForm bounds the action form's body.
const maxActionForm = 16 << 10

func (s *Server) actionLink(action string) handlerFunc {
	txt := actionTexts[action]
	return func(w http.ResponseWriter, r *http.Request) error {
		id := r.PathValue("id")
		page := actionPage{Heading: txt.heading, Item: id, Action: action}
		var token string
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxActionForm)
			if err := r.ParseForm(); err != nil {
				page.Message = "The form could not be read."
				return renderAction(w, http.StatusBadRequest, page)
			}
			token = r.PostForm.Get("token")
		} else {
			token = r.URL.Query().Get("token")
		}
		key, err := s.keys.Key(r.Context())
		if err != nil {
			return err
		}
		person, err := notify.CheckToken(key, token, id, action, s.desk.Now())
		switch {
		case errors.Is(err, notify.ErrExpiredToken):
			page.Message = "This link has expired. Sign in to svcflow, or reply to the team, to " + action + " the item."
			return renderAction(w, http.StatusGone, page)
		case err != nil:
			page.Message = "This link is not valid. Please use the whole link from the mail."
			return renderAction(w, http.StatusForbidden, page)
		}
		p, err := s.desk.Person(r.Context(), person)
		if svcflow.ErrorCodeOf(err) == svcflow.ErrNotFound || err == nil && p.Erased {
			page.Message = "This link is no longer valid."
			return renderAction(w, http.StatusForbidden, page)
		}
		if err != nil {
			return err
		}
		item, content, err := s.desk.Store().ItemView(r.Context(), id)
		if errors.Is(err, desk.ErrNotFound) {
			page.Message = "There is no such item."
			return renderAction(w, http.StatusNotFound, page)
		}
		if err != nil {
			return err
		}
		page.Title = content.Title
		if item.Status != svcflow.StatusResolved {
			page.Message = "This item is no longer resolved (it is " + strings.ReplaceAll(string(item.Status), "_", " ") + "), so there is nothing to " + action + "."
			return renderAction(w, http.StatusConflict, page)
		}
		if r.Method != http.MethodPost {
			page.Message, page.Token, page.Button, page.Reason = txt.ask, token, txt.button, action == notify.ActionReopen
			return renderAction(w, http.StatusOK, page)
		}
		var cmd svcflow.Command = svcflow.Close{Reason: "confirmed by the requester"}
		if action == notify.ActionReopen {
			reason := strings.TrimSpace(r.PostForm.Get("reason"))
			if len(reason) > 2000 {
				reason = reason[:2000]
			}
			cmd = svcflow.Reopen{Reason: reason}
		}
		_, err = s.desk.Act(r.Context(), p, id, 0, cmd)
		if svcflow.ErrorCodeOf(err) == svcflow.ErrConflict {
			page.Message = "The item changed meanwhile and is no longer resolved, so there is nothing to " + action + "."
			return renderAction(w, http.StatusConflict, page)
		}
		if err != nil {
			return err
		}
		page.Message = txt.done
		return renderAction(w, http.StatusOK, page)
	}
}

func renderAction(w http.ResponseWriter, status int, page actionPage) error {
	var buf bytes.Buffer
	if err := actionTemplate.Execute(&buf, page); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}
