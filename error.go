package svcflow

import (
	"errors"
	"fmt"
)

// ErrorCode classifies a domain error; transports map each code to one
// status (HTTP: invalid 422, conflict 409, forbidden 403, not_found 404).
type ErrorCode string

// The error codes.
const (
	ErrInvalid   ErrorCode = "invalid"   // the command or its fields are wrong
	ErrConflict  ErrorCode = "conflict"  // the item is not in a state that allows it, or changed meanwhile
	ErrForbidden ErrorCode = "forbidden" // the actor may not do this
	ErrNotFound  ErrorCode = "not_found"
	ErrInternal  ErrorCode = "internal"
)

// Error is a domain error whose Message is safe to show to users. Field
// names the offending field of a command, when there is one.
type Error struct {
	Code    ErrorCode
	Field   string
	Message string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// Errorf returns an *Error with a formatted message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an invalid-input *Error about one field.
func FieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: ErrInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCodeOf returns the code of the first *Error in err's chain, or
// ErrInternal for any other error (and "" for nil).
func ErrorCodeOf(err error) ErrorCode {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ErrInternal
}
