package cli

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/auth"
	"github.com/svcflow/svcflow/internal/desk"
)

func runUser(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return usagef("usage: svcflow user add --email EMAIL --name NAME --role requester|agent|manager|admin [--id ID] [--teams A,B] [--organisation ORG] [--approves ROLE,…] [--password-stdin]")
	}
	fs := newFlags(e, "user add", "user add --email EMAIL --name NAME --role ROLE [--id ID] [--teams A,B] [--password-stdin]")
	var sf storeFlags
	sf.register(e, fs)
	email := fs.String("email", "", "email address (sign-in name)")
	name := fs.String("name", "", "full name")
	role := fs.String("role", "requester", "requester, agent, manager or admin")
	id := fs.String("id", "", "person id (default: the part of the email before @)")
	teams := fs.String("teams", "", "comma-separated team ids")
	org := fs.String("organisation", "", "organisation id")
	approves := fs.String("approves", "", "comma-separated approval roles (change-manager, …)")
	pwStdin := fs.Bool("password-stdin", false, "read a password from the first line of standard input")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usagef("user add takes no arguments, got %q", pos[0])
	}
	if *email == "" || *name == "" {
		return usagef("user add needs --email and --name")
	}
	if *id == "" {
		*id = strings.ToLower(strings.NewReplacer(".", "-", "_", "-", "+", "-").Replace(strings.SplitN(*email, "@", 2)[0]))
	}
	s, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	d := desk.New(desk.Options{Store: s})
	p := &svcflow.Person{ID: *id, Name: *name, Email: *email, Role: svcflow.Role(*role), Teams: splitComma(*teams), Organisation: *org, Approves: splitComma(*approves)}
	if err := d.SavePerson(ctx, nil, p); err != nil {
		return err
	}
	if *pwStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			return fmt.Errorf("no password on standard input: %v", err)
		}
		hash, err := auth.HashPassword(line)
		if err != nil {
			return err
		}
		if err := d.SetPassword(ctx, nil, p.ID, hash); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "saved %s (%s, %s)\n", p.ID, p.Email, p.Role)
	return nil
}

func runToken(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return usagef("usage: svcflow token create --person ID [--name NAME]")
	}
	fs := newFlags(e, "token create", "token create --person ID [--name NAME]")
	var sf storeFlags
	sf.register(e, fs)
	person := fs.String("person", "", "the person id the token acts as")
	name := fs.String("name", "cli", "what the token is for")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 || *person == "" {
		return usagef("token create needs --person ID and no arguments")
	}
	s, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	d := desk.New(desk.Options{Store: s})
	t, err := newToken(ctx, d, *person, *name)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, t)
	fmt.Fprintln(e.stderr, "This token is shown once; store it now. It acts with the person's rights.")
	return nil
}

// newToken creates and stores a token, returning its secret.
func newToken(ctx context.Context, d *desk.Desk, person, name string) (string, error) {
	plain, hash, err := auth.NewToken()
	if err != nil {
		return "", err
	}
	idPart := hash[:12]
	if err := d.CreateToken(ctx, nil, desk.Token{Hash: hash, ID: "tok-" + idPart, Person: person, Name: name}); err != nil {
		return "", err
	}
	return plain, nil
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
