"""Hidden checks of the conv_nets assignment."""
