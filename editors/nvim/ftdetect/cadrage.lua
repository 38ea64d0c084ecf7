vim.filetype.add({ extension = { cadrage = "cadrage" } })
