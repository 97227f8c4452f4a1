"""The headless ``ravensec`` command line: subcommands over ``ravensec.core.workspace``, never importing Textual."""
