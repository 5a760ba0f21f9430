package token

// OpenAs is Open for a value of type T: it returns the decoded payload.
//
//	s, claims, err := token.OpenAs[LoginSession](m, tok)
func OpenAs[T any](m *Minter, tok string) (T, Claims, error) {
	var v T
	c, err := m.Open(tok, &v)
	if err != nil {
		var zero T
		return zero, Claims{}, err
	}
	return v, c, nil
}
