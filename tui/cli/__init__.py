"""The headless ``ravensec`` command line: subcommands over ``core.workspace``, never importing Textual."""
