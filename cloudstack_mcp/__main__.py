from cloudstack_mcp.cli import main

raise SystemExit(main())
