"""Mutations, one module per domain; `schema.mutation.Mutation` composes them."""
