"""Notice to the subject: delay orders, the letter, the bundle, mailing."""
