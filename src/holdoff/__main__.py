from holdoff.cli import main

main()
