-- cadrage for Neovim (0.11 or later): filetype, comments, and the language
-- server. Put `editors/nvim` on 'runtimepath' and call require("cadrage").setup().
local M = {}

function M.setup(opts)
  opts = opts or {}
  vim.filetype.add({ extension = { cadrage = "cadrage" } })
  vim.api.nvim_create_autocmd("FileType", {
    pattern = "cadrage",
    callback = function()
      vim.bo.commentstring = "# %s"
      vim.bo.shiftwidth = 2
      vim.bo.expandtab = true
    end,
  })
  vim.lsp.config("cadrage", {
    cmd = { opts.cmd or "cadrage", "lsp" },
    filetypes = { "cadrage" },
    root_markers = { "cadrage.toml", ".git" },
  })
  vim.lsp.enable("cadrage")
end

return M
