from cloudstack_mcp.simulator.command import main

raise SystemExit(main())
