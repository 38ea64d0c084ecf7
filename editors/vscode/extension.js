// Starts `cadrage lsp` for *.cadrage files. The server does everything:
// diagnostics, hover, completion, navigation, quick fixes, formatting.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("cadrage").get("path") || "cadrage";
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "cadrage",
    "cadrage",
    { run: server, debug: server },
    {
      documentSelector: [{ scheme: "file", language: "cadrage" }],
      synchronize: {
        fileEvents: [
          vscode.workspace.createFileSystemWatcher("**/*.cadrage"),
          vscode.workspace.createFileSystemWatcher("**/cadrage.toml"),
        ],
      },
    },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
