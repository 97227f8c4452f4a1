"""ravensec's Textual terminal UI and headless CLI, over core only."""
